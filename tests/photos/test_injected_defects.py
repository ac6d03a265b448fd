"""Each defect injected into a compliant portrait is caught with its own reason, and the same portrait
without it passes: the measures react to the fault, not to the photo."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.sandbox import defects
from photoflow.sandbox.defects import INJECTIONS, Injection
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits"
SAMPLE = (
    "london_neutral_front/007_03.jpg",
    "london_neutral_front/005_03.jpg",
    "london_neutral_front/006_03.jpg",
    "london_neutral_front/026_03.jpg",
    "london_neutral_front/096_03.jpg",  # the darkest skin in the set: dark is not underexposed
    "canada_subset/003f.jpg",
    "canada_subset/116m.jpg",
)


# A body leaning 20 degrees under a level head moves one shoulder out of a tight crop's frame, where
# nothing is measured (006, 003f, 116m of SAMPLE): test_head_rules tests the lean on portraits whose frame
# shows both shoulders, and benchmarks/evaluate_auto_review.py reports the rate over every portrait.
FRAMED_INJECTIONS = tuple(i for i in INJECTIONS if R.SHOULDERS_NOT_LEVEL not in i.reasons)


@pytest.fixture(scope="module")
def original(review: Callable[[Path], PhotoCheck]) -> Callable[[str], PhotoCheck]:
    """The review of a sample portrait as it is, by its path under id_portraits."""
    return lambda relative: review(PORTRAITS / relative)


def other_face(relative: str, original: Callable[[str], PhotoCheck]) -> np.ndarray:
    """The face of the next portrait in the sample: always someone else."""
    donor = original(SAMPLE[(SAMPLE.index(relative) + 1) % len(SAMPLE)])
    assert donor.decoded is not None and donor.source_face is not None
    return defects.face_crop(donor.decoded.rgb, donor.source_face)


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("relative", SAMPLE)
def test_portrait_without_injection_passes(relative: str, original: Callable[[str], PhotoCheck]) -> None:
    check = original(relative)
    assert check.passed, f"{relative} rejected for {[r.value for r in check.reasons]}"


@pytest.mark.parametrize("relative", SAMPLE)
def test_spec_image_without_injection_passes_when_reviewed_as_sent(
    relative: str, original: Callable[[str], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    spec_rgb = original(relative).spec_rgb
    assert spec_rgb is not None
    check = check_photo(png(spec_rgb), name="spec.png", analyzer=analyzer, spec=spec)
    assert not check.standardised
    assert check.passed, f"{relative}: spec image rejected for {[r.value for r in check.reasons]}"


@pytest.mark.parametrize("injection", FRAMED_INJECTIONS, ids=[i.defect for i in FRAMED_INJECTIONS])
@pytest.mark.parametrize("relative", SAMPLE)
def test_injected_defect_is_caught_with_its_reason(
    relative: str,
    injection: Injection,
    original: Callable[[str], PhotoCheck],
    analyzer: FaceAnalyzer,
    spec: PhotoSpec,
) -> None:
    data = injection.make(original(relative), other_face(relative, original), spec)
    check = check_photo(data, name=f"{injection.defect}.png", analyzer=analyzer, spec=spec)
    found = {reason.value for reason in check.reasons}
    assert set(check.reasons) & injection.reasons, f"{injection.defect} into {relative}: reported {found}"
    if injection.into_spec_image:
        assert not check.standardised, "a spec-size image is reviewed as it is, so its fault stays in it"


def test_injection_leaves_the_portrait_and_its_spec_image_unchanged(
    original: Callable[[str], PhotoCheck], spec: PhotoSpec
) -> None:
    check = original(SAMPLE[0])
    assert check.decoded is not None and check.spec_rgb is not None
    raw, spec_rgb = check.decoded.rgb.copy(), check.spec_rgb.copy()
    for injection in INJECTIONS:
        injection.make(check, other_face(SAMPLE[0], original), spec)
    assert np.array_equal(check.decoded.rgb, raw) and np.array_equal(check.spec_rgb, spec_rgb)


def test_shift_fills_the_revealed_strip_by_repeating_the_edge() -> None:
    rgb = np.arange(6 * 4 * 3, dtype=np.uint8).reshape(6, 4, 3)
    moved = defects.shift(rgb, 1, 2)
    assert np.array_equal(moved[2:, 1:], rgb[:-2, :-1])
    assert np.array_equal(moved[0, 1:], rgb[0, :-1]) and np.array_equal(moved[:2, 0], moved[:2, 1])


def test_darkening_scales_the_light_like_a_shorter_exposure_not_the_pixel_values() -> None:
    grey = np.full((2, 2, 3), 128, np.uint8)
    assert np.array_equal(defects.darken(grey, 1.0), grey)
    two_stops_under = defects.darken(grey, 0.25)
    assert np.all(two_stops_under == round(128 * 0.25 ** (1 / 2.2)))  # 68, where scaling pixels gives 32
