"""The registry template's head rules on real portraits: no headwear, ears visible, shoulders level.

Good portraits pass each rule; the same portraits with a hat, hair over the ears or the body turned under
a level head fail with the rule's own reason, and real photos that break or only resemble a breach
(long hair over the ears; a fringe, which is hair and not a hat) are judged as they are.
"""

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
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits" / "london_neutral_front"
GOOD = ("005_03.jpg", "124_03.jpg", "096_03.jpg", "044_03.jpg", "101_03.jpg")
HEAD_RULES = ("headwear", "ears_visible", "ears_symmetry")


def _values(check: PhotoCheck) -> dict[str, tuple[float | None, bool]]:
    return {m.measure: (m.value, m.passed) for m in check.measurements}


def _reviewed(rgb: np.ndarray, analyzer: FaceAnalyzer, spec: PhotoSpec) -> PhotoCheck:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "BMP")
    return check_photo(buffer.getvalue(), name="injected.bmp", analyzer=analyzer, spec=spec)


def _spec(review: Callable[[Path], PhotoCheck], name: str) -> tuple[np.ndarray, np.ndarray, PhotoCheck]:
    check = review(PORTRAITS / name)
    assert check.spec_rgb is not None and check.spec_mask is not None and check.spec_face is not None
    return check.spec_rgb, check.spec_mask, check


@pytest.mark.parametrize("name", GOOD)
def test_good_portrait_passes_every_head_rule(name: str, review: Callable[[Path], PhotoCheck]) -> None:
    values = _values(review(PORTRAITS / name))
    for measure in HEAD_RULES:
        assert values[measure][1], f"{name}: {measure} = {values[measure][0]}"
    assert values["shoulders_level"][1], f"{name}: shoulders lean {values['shoulders_level'][0]} degrees"


@pytest.mark.parametrize(
    "colour", [(150, 30, 40), (25, 25, 25), (40, 100, 60)], ids=["red", "black", "green"]
)
@pytest.mark.parametrize("name", GOOD[:3])
def test_knit_beanie_is_reported_as_headwear(
    name: str,
    colour: tuple[int, int, int],
    review: Callable[[Path], PhotoCheck],
    analyzer: FaceAnalyzer,
    spec: PhotoSpec,
) -> None:
    rgb, mask, check = _spec(review, name)
    assert check.spec_face is not None
    hatted = _reviewed(defects.knit_beanie(rgb, mask, check.spec_face, colour), analyzer, spec)
    assert R.HEADWEAR in hatted.reasons, f"{name}: {[r.value for r in hatted.reasons]}"


@pytest.mark.parametrize("colour", [(30, 40, 90), (230, 230, 225)], ids=["navy", "white"])
@pytest.mark.parametrize("name", GOOD[:3])
def test_cap_with_a_brim_is_reported_as_headwear(
    name: str,
    colour: tuple[int, int, int],
    review: Callable[[Path], PhotoCheck],
    analyzer: FaceAnalyzer,
    spec: PhotoSpec,
) -> None:
    rgb, mask, check = _spec(review, name)
    assert check.spec_face is not None
    capped = _reviewed(defects.cap_with_brim(rgb, mask, check.spec_face, colour), analyzer, spec)
    assert R.HEADWEAR in capped.reasons, f"{name}: {[r.value for r in capped.reasons]}"


def test_a_fringe_over_the_forehead_is_hair_not_headwear(review: Callable[[Path], PhotoCheck]) -> None:
    check = review(PORTRAITS / "003_03.jpg")  # a straight fringe down to the brows
    value, passed = _values(check)["headwear"]
    assert value is not None and value < 0.5, "the fringe covers the forehead"
    assert passed, "the covering has the hair's colour, so it is no hat"


@pytest.mark.parametrize("name", GOOD[:3])
def test_hair_over_both_ears_hides_them(
    name: str, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    rgb, _, check = _spec(review, name)
    assert check.spec_face is not None
    covered = _reviewed(defects.hair_over_ears(rgb, check.spec_face), analyzer, spec)
    assert R.EARS_HIDDEN in covered.reasons, f"{name}: {[r.value for r in covered.reasons]}"


def test_real_portrait_with_hair_over_both_ears_is_reported(review: Callable[[Path], PhotoCheck]) -> None:
    check = review(PORTRAITS / "038_03.jpg")  # long hair worn down over both ears
    assert R.EARS_HIDDEN in check.reasons


def test_real_portrait_with_one_ear_in_shade_is_not_reported(review: Callable[[Path], PhotoCheck]) -> None:
    check = review(PORTRAITS / "127_03.jpg")  # hair tied back, her left ear in shade above the eye line
    assert R.EARS_HIDDEN not in check.reasons, [r.value for r in check.reasons]


@pytest.mark.parametrize("degrees", [-20.0, 20.0])
@pytest.mark.parametrize("name", GOOD[:2])  # shoulders near level as photographed (096 leans 8 degrees)
def test_shoulders_tilted_under_a_level_head_are_reported(
    name: str, degrees: float, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    rgb, mask, check = _spec(review, name)
    assert check.spec_face is not None
    tilted = defects.tilt_shoulders(rgb, mask, check.spec_face, degrees, spec.background_rgb())
    reviewed = _reviewed(tilted, analyzer, spec)
    assert R.SHOULDERS_NOT_LEVEL in reviewed.reasons, f"{name}: {_values(reviewed).get('shoulders_level')}"
    assert _values(reviewed)["roll"][1], "the head itself stays level"
