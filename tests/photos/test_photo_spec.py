"""The registry photo spec is data: one file, validated on load, with the published numbers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from data_contracts.photo_spec import SPEC_FILE, load_photo_spec, read_photo_spec


def test_the_spec_file_carries_the_registry_numbers():
    spec = load_photo_spec()
    assert (spec.image.width, spec.image.height, spec.image.format) == (480, 640, "JPEG")
    assert spec.image.min_quality >= 60 and (spec.image.min_kb, spec.image.max_kb) == (20, 40)
    assert spec.background.reference_rgb == (100, 197, 255)
    assert (spec.geometry.head_top, spec.geometry.eye_line, spec.geometry.face_width) == (
        (50, 110),
        (200, 300),
        (180, 300),
    )
    for target, band in (
        (spec.geometry.target_head_top, spec.geometry.head_top),
        (spec.geometry.target_eye_line, spec.geometry.eye_line),
        (spec.geometry.target_face_width, spec.geometry.face_width),
    ):
        assert band[0] < target < band[1]


def test_background_variants_are_chosen_by_name_and_unknown_ones_are_refused():
    spec = load_photo_spec()
    assert spec.background_rgb() == spec.background_rgb("light_blue") == (100, 197, 255)
    assert spec.background_rgb("white") == (255, 255, 255)
    with pytest.raises(ValueError, match="light_blue, white, light_grey"):
        spec.background_rgb("pink")


def test_a_misspelt_key_in_the_spec_file_is_refused(tmp_path):
    broken = tmp_path / "spec.toml"
    broken.write_text(SPEC_FILE.read_text(encoding="utf-8").replace("max_yaw", "max_yaww"), encoding="utf-8")
    with pytest.raises(ValidationError, match="max_yaw"):
        read_photo_spec(broken)
