"""The tamper check on edits it was never fitted on (`photoflow/sandbox/independent_edits.py`): other
blends, other smoothing filters, other encoders. Hosts are London portraits after the 24 identities
the seam threshold was fitted on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoflow.sandbox import independent_edits as independent
from photoflow.tamper.check import check_tamper
from schemas.reasons import TamperReason as R
from tests.paths import DATASETS

LONDON = DATASETS / "id_portraits" / "london_neutral_front"
HOST = LONDON / "061_03.jpg"
DONOR = LONDON / "044_03.jpg"
PASTES = ["seamless_normal", "seamless_mixed", "feathered_paste", "resized_paste"]
SMOOTHING = ["guided_smoothing", "edge_preserving_smoothing"]


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def edited(name: str, host: Path = HOST) -> np.ndarray:
    return independent.EDITS[name](rgb(host), rgb(DONOR), np.random.default_rng(5))


@pytest.mark.parametrize("name", PASTES + SMOOTHING)
def test_an_edit_saved_by_opencv_above_the_original_quality_is_flagged_on_the_face(name: str) -> None:
    result = check_tamper(independent.opencv_jpeg(edited(name), 96, sampling_444=True), name=name)
    assert result.flagged, result.as_dict()
    assert {f.reason for f in result.findings} & {R.FACE_COMPRESSION_DIFFERS, R.COMPRESSION_INCONSISTENT}


@pytest.mark.parametrize("name", PASTES)
def test_a_paste_saved_by_pillow_with_its_own_tables_is_flagged(name: str) -> None:
    result = check_tamper(independent.pillow_qtables(edited(name), 0.15), name=name)
    assert result.flagged, result.as_dict()


@pytest.mark.parametrize("host", ["070_03.jpg", "083_03.jpg"])
def test_a_hard_rectangle_of_another_face_saved_coarsely_is_flagged_by_its_seam(host: str) -> None:
    image = edited("rectangle_paste", LONDON / host)
    result = check_tamper(independent.opencv_jpeg(image, 78), name=host)
    assert result.flagged, result.as_dict()
    assert R.PASTED_SEAM in {f.reason for f in result.findings}


@pytest.mark.parametrize("save", independent.SAVES, ids=lambda save: save.name)
def test_an_unedited_portrait_saved_through_any_encoder_is_not_flagged(save: independent.Save) -> None:
    result = check_tamper(save.encode(rgb(HOST), np.random.default_rng(3)), name=HOST.name)
    assert not result.flagged, result.as_dict()
    assert R.PASTED_SEAM not in {f.reason for f in result.findings}


def test_the_edits_change_the_face_and_keep_the_photo_size() -> None:
    original = rgb(HOST)
    for name in independent.EDITS:
        image = edited(name)
        assert image.shape == original.shape and image.dtype == np.uint8, name
        assert np.abs(image.astype(int) - original).mean() > 0.3, name
