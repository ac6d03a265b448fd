"""The overlay shows a reviewer why a photo was rejected: bands on the spec image, the mesh, failing
measures marked where they were measured and listed with value and limits; a refusal still gets a card."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.quality import overlay
from photoflow.quality.overlay import draw_overlay, failure_notes, write_overlay
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.sandbox.defects import shift
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

SMILING = DATASETS / "id_defects" / "london_smiling_front" / "005_08.jpg"
YALE_SIDE_LIGHT = DATASETS / "id_defects" / "yalefaces" / "subject01.leftlight.gif"  # 320 x 243
NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front" / "001_03.jpg"


def bmp(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "BMP")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def smiling(analyzer: FaceAnalyzer, spec: PhotoSpec) -> PhotoCheck:
    return check_photo(SMILING.read_bytes(), name=SMILING.name, analyzer=analyzer, spec=spec)


def test_rejected_photo_is_drawn_on_its_spec_image_with_translucent_bands_and_a_panel(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    assert not smiling.passed and smiling.spec_rgb is not None
    before = smiling.spec_rgb.copy()
    picture = draw_overlay(smiling, spec)
    assert picture.dtype == np.uint8
    assert picture.shape == (spec.image.height, spec.image.width + overlay.PANEL_WIDTH, 3)
    assert np.array_equal(smiling.spec_rgb, before), "drawing does not touch the check's own image"
    # row 100 lies in the head-top band; the right edge is background with nothing else drawn on it
    row, column = 100, spec.image.width - 5
    opacity = overlay.BAND_OPACITY
    blended = before[row, column] * (1 - opacity) + np.array(overlay.HEAD_TOP_BAND) * opacity
    assert np.abs(picture[row, column].astype(int) - blended.round()).max() <= 1
    corner = (spec.image.height - 5, 5)
    assert np.array_equal(picture[corner], before[corner]), "nothing is drawn outside the bands"


def test_failing_measure_is_listed_with_its_value_limit_and_english_message(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    notes = failure_notes(smiling)
    smile = next(note for note in notes if note.startswith("SMILING: smile = "))
    assert f"(at most {spec.face.max_smile_score:g})" in smile
    assert smile.endswith(R.SMILING.en)
    assert len(notes) == sum(not m.passed for m in smiling.measurements)


def test_write_overlay_writes_the_drawn_picture_as_png(
    smiling: PhotoCheck, spec: PhotoSpec, tmp_path: Path
) -> None:
    path = write_overlay(smiling, spec, tmp_path / "overlays" / "005_08.png")
    with Image.open(path) as written:
        assert written.format == "PNG"
        assert np.array_equal(np.asarray(written.convert("RGB")), draw_overlay(smiling, spec))


def test_head_top_out_of_its_band_is_a_red_line_at_the_measured_row(
    analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    made = check_photo(NEUTRAL.read_bytes(), name=NEUTRAL.name, analyzer=analyzer, spec=spec)
    assert made.spec_rgb is not None
    framed_low = shift(made.spec_rgb, 0, 100)  # reviewed as it is: 480 x 640
    check = check_photo(bmp(framed_low), name="low.bmp", analyzer=analyzer, spec=spec)
    head_top = next(m for m in check.measurements if m.measure == "head_top")
    assert not head_top.passed and head_top.value is not None
    row = draw_overlay(check, spec)[round(head_top.value), : spec.image.width]
    assert np.all(row == overlay.RED, axis=1).mean() > 0.9


def test_photo_that_could_not_be_standardised_is_drawn_on_the_original_scaled_to_640_high(
    analyzer: FaceAnalyzer, spec: PhotoSpec
) -> None:
    check = check_photo(YALE_SIDE_LIGHT.read_bytes(), name=YALE_SIDE_LIGHT.name, analyzer=analyzer, spec=spec)
    assert check.spec_rgb is None and check.source_face is not None and not check.passed
    picture = draw_overlay(check, spec)
    scale = spec.image.height / 243
    assert picture.shape == (spec.image.height, round(320 * scale) + overlay.PANEL_WIDTH, 3)
    for index in (lm.RIGHT_IRIS, lm.LEFT_IRIS):
        x, y = np.round(check.source_face.xy(index) * scale).astype(int)
        assert tuple(picture[y, x]) == overlay.KEY_POINT, "the mesh is scaled with the picture"


def test_refused_file_still_gets_a_small_png_that_states_the_refusal(
    analyzer: FaceAnalyzer, spec: PhotoSpec, tmp_path: Path
) -> None:
    check = check_photo(b"name,photo\nli,me.jpg\n", name="photo.jpg", analyzer=analyzer, spec=spec)
    assert check.refusal is not None and check.decoded is None
    assert failure_notes(check) == [f"NOT_AN_IMAGE: file - {R.NOT_AN_IMAGE.en}"]
    path = write_overlay(check, spec, tmp_path / "refused.png")
    with Image.open(path) as written:
        card = np.asarray(written.convert("RGB"))
    assert card.shape[1] == overlay.CARD_WIDTH and card.shape[0] < 200
    assert path.stat().st_size < 30_000
    written_rows = np.any(card != overlay.PANEL_BACKGROUND, axis=(1, 2))
    assert written_rows[: overlay.LINE_HEIGHT * 3].any(), "the first lines carry text"
    red, green, blue = (card[..., channel].astype(int) for channel in range(3))
    assert ((red > 150) & (green < 90) & (blue < 90)).any(), "the refusal is written in red"
