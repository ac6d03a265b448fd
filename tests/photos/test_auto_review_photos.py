"""Stage 1 on real photos: ID portraits pass and become spec images that meet the spec; tagged defects are
rejected for a reason that fits their tag; the file's content, not its name, decides how it is read."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.photos.decode import decode_photo
from photoflow.quality.review import PhotoCheck, check_photo
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits"
DEFECTS = DATASETS / "id_defects"
DEEPFACE = DATASETS / "deepface_tests" / "images"
PORTRAIT_SAMPLE = (
    "london_neutral_front/002_03.jpg",
    "london_neutral_front/030_03.jpg",
    "london_neutral_front/042_03.jpg",
    "london_neutral_front/064_03.jpg",
    "london_neutral_front/087_03.jpg",
    "london_neutral_front/129_03.jpg",
    "canada_subset/008f.jpg",
    "canada_subset/116m.jpg",
)
EXPRESSION = {R.SMILING, R.TEETH_SHOWING, R.MOUTH_OPEN}
TAGGED = (
    (DEFECTS / "london_smiling_front/005_08.jpg", EXPRESSION),
    (DEFECTS / "london_smiling_front/010_08.jpg", EXPRESSION),
    (DEFECTS / "london_smiling_front/026_08.jpg", EXPRESSION),
    (DEFECTS / "yalefaces/subject01.sleepy.gif", {R.EYES_CLOSED}),
    (DEFECTS / "yalefaces/subject10.sleepy.gif", {R.EYES_CLOSED}),
    (DEFECTS / "yalefaces/subject01.leftlight.gif", {R.UNEVEN_LIGHTING}),
    (DEFECTS / "yalefaces/subject12.rightlight.gif", {R.UNEVEN_LIGHTING}),
    (DEFECTS / "yalefaces/subject03.glasses.gif", {R.TINTED_LENSES}),  # the one subject in sunglasses
    (DEFECTS / "cc0_zoom_distance/45cm.jpg", {R.BACKGROUND_NOT_PLAIN}),  # door and tiles behind
    (DEFECTS / "cc0_lisa_framing/lisa2.jpg", {R.BACKGROUND_NOT_PLAIN}),  # wall clock behind
    (DEEPFACE / "couple.jpg", {R.MULTIPLE_FACES}),
    (DEEPFACE / "selfie-many-people.jpg", {R.MULTIPLE_FACES}),
)
YALE = [path for path, _ in TAGGED if path.parent.name == "yalefaces"]
WEBP_NAMED_JPG = DEEPFACE / "img47.jpg"


def reasons_of(check: PhotoCheck) -> list[str]:
    return [reason.value for reason in check.reasons]


@pytest.mark.parametrize("relative", PORTRAIT_SAMPLE)
def test_id_portrait_passes_after_standardisation(
    relative: str, review: Callable[[Path], PhotoCheck]
) -> None:
    check = review(PORTRAITS / relative)
    assert check.standardised, "a portrait of another size is standardised before it is measured"
    assert check.passed, f"{relative} rejected for {reasons_of(check)}"


@pytest.mark.parametrize("relative", PORTRAIT_SAMPLE)
def test_spec_image_of_a_portrait_meets_the_spec_when_measured_again(
    relative: str, review: Callable[[Path], PhotoCheck], analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    made = review(PORTRAITS / relative)
    assert made.spec_jpeg is not None
    with Image.open(io.BytesIO(made.spec_jpeg)) as image:
        assert (image.format, image.size) == ("JPEG", (spec.image.width, spec.image.height))
    assert spec.image.min_kb * 1024 <= len(made.spec_jpeg) <= spec.image.max_kb * 1024
    decoded = decode_photo(
        made.spec_jpeg, name="spec.jpg", max_bytes=10**6, max_pixels=10**6, formats=frozenset({"JPEG"})
    )
    assert (decoded.jpeg_quality or 0) >= spec.image.min_quality

    again = check_photo(made.spec_jpeg, name="spec.jpg", analyzer=analyzer, spec=spec)
    assert not again.standardised, "a spec-size image is reviewed as it is"
    assert again.passed, f"{relative}: its spec image rejected for {reasons_of(again)}"
    values = {m.measure: m.value for m in again.measurements}
    geometry = spec.geometry
    for measure, (low, high) in (
        ("head_top", geometry.head_top),
        ("eye_line", geometry.eye_line),
        ("face_width", geometry.face_width),
    ):
        assert values[measure] is not None and low <= values[measure] <= high, (
            f"{measure} = {values[measure]}"
        )


@pytest.mark.parametrize(("path", "acceptable"), TAGGED, ids=[path.name for path, _ in TAGGED])
def test_tagged_defect_is_rejected_with_a_reason_matching_its_tag(
    path: Path, acceptable: set[R], review: Callable[[Path], PhotoCheck]
) -> None:
    check = review(path)
    assert not check.passed
    assert set(check.reasons) & acceptable, f"{path.name} rejected only for {reasons_of(check)}"


@pytest.mark.parametrize("path", YALE, ids=[path.name for path in YALE])
def test_yale_photo_is_rejected_as_greyscale(path: Path, review: Callable[[Path], PhotoCheck]) -> None:
    check = review(path)
    assert R.GREYSCALE in check.reasons
    assert check.decoded is not None and check.decoded.format == "GIF"


def test_webp_named_jpg_is_decoded_by_its_content_and_reviewed(review: Callable[[Path], PhotoCheck]) -> None:
    check = review(WEBP_NAMED_JPG)
    assert check.refusal is None
    assert check.decoded is not None and check.decoded.format == "WEBP"
    assert check.source_face is not None, "the face in it was analysed"
    assert not {R.NOT_AN_IMAGE, R.UNSUPPORTED_FORMAT, R.TRUNCATED_IMAGE} & set(check.reasons)
