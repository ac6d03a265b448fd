"""Standardisation frames a portrait as a studio does, on real photos: the face on the spec's targets,
the shoulders down to the bottom edge, and an original that cannot fill the frame refused with the reason
the student can act on (take the photo down to the chest, leave room above the head), never a painted
band of background and never a false "head cut off"."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.quality import measures
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.quality.standardise import bottom_band
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits" / "london_neutral_front"
FILLING = ("030_03.jpg", "064_03.jpg", "129_03.jpg")  # originals that reach well below the chest
HAIR_GAPS = (2, 5, 8)  # px between the hair and the original's top edge
FRAMING = {R.CROPPED_TOO_TIGHT, R.HEAD_TOO_CLOSE_TO_TOP, R.HEAD_CUT_OFF}  # the refusals of the framing


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


def reasons_of(check: PhotoCheck) -> list[str]:
    return [reason.value for reason in check.reasons]


@pytest.mark.parametrize("name", FILLING)
def test_portrait_fills_the_frame_down_to_the_bottom_edge_with_the_face_on_target(
    name: str, review: Callable[[Path], PhotoCheck], spec: PhotoSpec
) -> None:
    check = review(PORTRAITS / name)
    assert check.standardised, f"{name} not framed: {reasons_of(check)}"
    assert check.spec_mask is not None and check.spec_face is not None
    assert bottom_band(check.spec_mask) < 10, "rows of background under the body"
    bottom_row = check.spec_mask[-1] > measures.PERSON
    assert bottom_row.mean() > 0.3, "the shoulders reach the bottom edge across the frame"
    assert abs(check.spec_face.face_width - spec.geometry.target_face_width) <= 10


@pytest.mark.parametrize("name", FILLING[:2])
def test_original_cut_just_under_the_chin_is_refused_as_cropped_too_tight(
    name: str, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    whole = review(PORTRAITS / name)
    assert whole.decoded is not None and whole.source_face is not None
    chin = int(whole.source_face.xy(lm.CHIN)[1])
    tight = whole.decoded.rgb[: chin + int(0.15 * whole.source_face.face_width)]
    check = check_photo(png(tight), name="tight.png", analyzer=analyzer, spec=spec)
    assert not check.passed
    assert R.CROPPED_TOO_TIGHT in check.reasons, f"refused for {reasons_of(check)}"
    assert R.HEAD_CUT_OFF not in check.reasons
    assert "chest" in R.CROPPED_TOO_TIGHT.hint
    failed = next(m for m in check.measurements if m.reason is R.CROPPED_TOO_TIGHT)
    assert failed.value is not None and failed.value > spec.intake.max_rows_from_outside


@pytest.mark.parametrize("gap", HAIR_GAPS)
@pytest.mark.parametrize("name", FILLING[:2])
def test_hair_a_few_pixels_below_the_top_edge_is_not_a_head_cut_off(
    name: str, gap: int, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    whole = review(PORTRAITS / name)
    assert whole.decoded is not None and whole.source_face is not None
    source = analyzer.analyse(whole.decoded.rgb)
    top = measures.head_top(source.person_mask, whole.source_face)
    assert top is not None and top > gap
    cropped = whole.decoded.rgb[int(top) - gap :]
    check = check_photo(png(cropped), name="near_top.png", analyzer=analyzer, spec=spec)
    assert R.HEAD_CUT_OFF not in check.reasons, f"refused for {reasons_of(check)}"
    assert check.standardised or set(check.reasons) & FRAMING == {R.HEAD_TOO_CLOSE_TO_TOP}, reasons_of(check)


@pytest.mark.parametrize("name", FILLING[:2])
def test_hair_cut_by_the_top_edge_is_refused_as_too_close_to_the_top(
    name: str, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    whole = review(PORTRAITS / name)
    assert whole.decoded is not None and whole.source_face is not None
    source = analyzer.analyse(whole.decoded.rgb)
    top = measures.head_top(source.person_mask, whole.source_face)
    assert top is not None
    cut = whole.decoded.rgb[int(top + 0.1 * whole.source_face.face_width) :]  # the crown cut away
    check = check_photo(png(cut), name="cut_hair.png", analyzer=analyzer, spec=spec)
    assert R.HEAD_TOO_CLOSE_TO_TOP in check.reasons, reasons_of(check)
    assert R.HEAD_CUT_OFF not in check.reasons
    assert "above your head" in R.HEAD_TOO_CLOSE_TO_TOP.hint


@pytest.mark.parametrize("name", FILLING[:2])
def test_frame_reaches_past_an_edge_of_the_original_where_it_is_only_wall(
    name: str, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    whole = review(PORTRAITS / name)
    assert whole.decoded is not None and whole.source_face is not None
    source = analyzer.analyse(whole.decoded.rgb)
    top = measures.head_top(source.person_mask, whole.source_face)
    assert top is not None
    wall = int(0.1 * whole.source_face.face_width)  # far less wall above the head than the frame needs
    check = check_photo(
        png(whole.decoded.rgb[int(top) - wall :]), name="low_wall.png", analyzer=analyzer, spec=spec
    )
    assert check.standardised and check.spec_rgb is not None, reasons_of(check)
    assert not FRAMING & set(check.reasons)
    values = {m.measure: m.value for m in check.measurements}
    low, high = spec.geometry.head_top
    assert values["head_top"] is not None and low <= values["head_top"] <= high
    assert values["hair_cut_in_frame"] == 0
