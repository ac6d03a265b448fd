"""The registry template's frame rules on real spec images: a good portrait's spec image passes each, and
the fault each rule is for (eyes not level, off centre, a black or foreign strip along a border, a face
too large or too small, the chin outside its zone) fails it with its own reason and no unrelated one."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.quality import frame_rules
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.quality.standardise import encode_in_band
from photoflow.sandbox import defects
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits"
SAMPLE = ("london_neutral_front/002_03.jpg", "london_neutral_front/064_03.jpg", "canada_subset/008f.jpg")


@pytest.fixture(scope="module")
def passed(review: Callable[[Path], PhotoCheck]) -> Callable[[str], PhotoCheck]:
    def get(relative: str) -> PhotoCheck:
        check = review(PORTRAITS / relative)
        assert check.passed and check.spec_rgb is not None, f"{relative}: {check.reasons}"
        return check

    return get


def jpeg(rgb: np.ndarray) -> bytes:
    """As a studio or a student would send a spec image: a JPEG."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def value(check: PhotoCheck, measure: str) -> float | None:
    return next(m.value for m in check.measurements if m.measure == measure)


@pytest.fixture(scope="module")
def as_sent(analyzer: FaceAnalyzer, spec: PhotoSpec) -> Callable[[np.ndarray], PhotoCheck]:
    """Stage 1 on a spec-size image, reviewed as it is."""
    return lambda rgb: check_photo(jpeg(rgb), name="spec.jpg", analyzer=analyzer, spec=spec)


@pytest.mark.parametrize("relative", SAMPLE)
def test_a_good_spec_image_has_level_eyes_clean_edges_a_centred_face_and_the_chin_in_its_zone(
    relative: str,
    passed: Callable[[str], PhotoCheck],
    as_sent: Callable[[np.ndarray], PhotoCheck],
    spec: PhotoSpec,
) -> None:
    check = as_sent(passed(relative).spec_rgb)  # type: ignore[arg-type]
    assert check.passed, check.reasons
    assert abs(value(check, "roll") or 0) < spec.template.max_eye_tilt / 2
    assert value(check, "black_edge") == 0
    low, high = spec.template.chin_zone
    assert low <= (value(check, "chin") or 0) <= high


@pytest.mark.parametrize("degrees", [3, -3, 5])
def test_eyes_tilted_by_three_degrees_or_more_are_not_level(
    degrees: float, passed: Callable[[str], PhotoCheck], as_sent: Callable[[np.ndarray], PhotoCheck]
) -> None:
    tilted = defects.rotate(passed(SAMPLE[0]).spec_rgb, degrees)  # type: ignore[arg-type]
    assert R.HEAD_ROLL in as_sent(tilted).reasons


@pytest.mark.parametrize("side", ["top", "bottom", "left", "right"])
def test_a_black_strip_along_any_border_is_a_black_edge_not_a_background_fault(
    side: str, passed: Callable[[str], PhotoCheck], as_sent: Callable[[np.ndarray], PhotoCheck]
) -> None:
    check = as_sent(defects.black_edge(passed(SAMPLE[1]).spec_rgb, side, 8))  # type: ignore[arg-type]
    assert R.BLACK_EDGE in check.reasons
    assert not {R.BACKGROUND_NOT_PLAIN, R.BACKGROUND_COLOUR} & set(check.reasons), check.reasons


def test_a_white_strip_on_the_blue_background_is_an_uneven_edge(
    passed: Callable[[str], PhotoCheck], as_sent: Callable[[np.ndarray], PhotoCheck]
) -> None:
    rgb = passed(SAMPLE[2]).spec_rgb.copy()  # type: ignore[union-attr]
    rgb[:, -15:] = 255  # a crop padded with white on the right
    check = as_sent(rgb)
    assert R.BLACK_EDGE in check.reasons and R.BACKGROUND_NOT_PLAIN not in check.reasons


def test_a_background_of_another_colour_is_no_strip(
    passed: Callable[[str], PhotoCheck], spec: PhotoSpec
) -> None:
    check = passed(SAMPLE[0])
    white = defects.recolour_background(check.spec_rgb, check.spec_mask, (255, 255, 255))  # type: ignore[arg-type]
    assert frame_rules.foreign_strips(white, check.spec_mask, spec) == []  # type: ignore[arg-type]


def test_a_face_shifted_sideways_is_off_centre(
    passed: Callable[[str], PhotoCheck], as_sent: Callable[[np.ndarray], PhotoCheck]
) -> None:
    check = as_sent(defects.shift(passed(SAMPLE[0]).spec_rgb, -45, 0))  # type: ignore[arg-type]
    assert R.OFF_CENTRE in check.reasons


@pytest.mark.parametrize(("factor", "reason"), [(1.45, R.FACE_TOO_LARGE), (0.7, R.FACE_TOO_SMALL)])
def test_a_face_too_large_or_too_small_is_named_as_such_and_its_file_still_fits_the_band(
    factor: float,
    reason: R,
    passed: Callable[[str], PhotoCheck],
    as_sent: Callable[[np.ndarray], PhotoCheck],
) -> None:
    good = passed(SAMPLE[1])
    assert good.spec_face is not None
    scaled = defects.scale_about(good.spec_rgb, good.spec_face.eye_midpoint, factor)  # type: ignore[arg-type]
    check = as_sent(scaled)
    assert reason in check.reasons
    assert not {R.FACE_WIDTH, R.FILE_SIZE} & set(check.reasons), check.reasons


def test_a_small_soft_face_s_plain_spec_image_is_encoded_up_to_the_band_s_bottom(
    passed: Callable[[str], PhotoCheck], spec: PhotoSpec
) -> None:
    good = passed("london_neutral_front/010_03.jpg")
    assert good.spec_face is not None
    small = defects.scale_about(good.spec_rgb, good.spec_face.eye_midpoint, 0.7)  # type: ignore[arg-type]
    small = defects.blur(small, 12.0)  # soft as a phone's portrait mode: little detail left to encode
    buffer = io.BytesIO()
    Image.fromarray(small).save(buffer, "JPEG", quality=95)
    assert len(buffer.getvalue()) < spec.image.min_kb * 1024, "the usual encoding stays under the band"
    data, quality = encode_in_band(small, spec)
    assert spec.image.min_kb * 1024 <= len(data) <= spec.image.max_kb * 1024
    assert quality >= spec.image.min_quality


def test_a_chin_below_the_template_s_chin_zone_is_reported(
    passed: Callable[[str], PhotoCheck], as_sent: Callable[[np.ndarray], PhotoCheck], spec: PhotoSpec
) -> None:
    good = passed(SAMPLE[2])
    assert good.spec_face is not None
    chin = float(good.spec_face.xy(152)[1])
    lowered = defects.shift(good.spec_rgb, 0, round(spec.template.chin_zone[1] + 20 - chin))  # type: ignore[arg-type]
    assert R.CHIN_POSITION in as_sent(lowered).reasons
