"""The overlay shows a reviewer why a photo was rejected, drawn as the registry's template: red zones for
the head top, the eyes and the chin, green zones for the ears, the measured lines on top, failing measures
numbered where they were measured and listed in Chinese and English with their fix hint; a refusal still
gets a card."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.analyzer import FaceAnalyzer
from photoflow.printing.fonts import find_label_font
from photoflow.quality import overlay
from photoflow.quality.measurement import failed
from photoflow.quality.overlay import draw_overlay, failure_labels, template_zones, write_overlay
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.sandbox.defects import shift
from schemas.measure_catalogue import CATALOGUE, Region
from schemas.reasons import PhotoReason as R
from tests.paths import DATASETS

SMILING = DATASETS / "id_defects" / "london_smiling_front" / "005_08.jpg"
YALE_SIDE_LIGHT = DATASETS / "id_defects" / "yalefaces" / "subject01.leftlight.gif"  # 320 x 243
NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front" / "002_03.jpg"
# the template's new rules, each with a region of its own on the picture
TEMPLATE_REGIONS = (
    Region.HEADWEAR,
    Region.EARS,
    Region.SHOULDERS,
    Region.EDGES,
    Region.CENTRE_LINE,
    Region.CHIN,
)


def bmp(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "BMP")
    return buffer.getvalue()


def tinted(before: np.ndarray, colour: tuple[int, int, int], opacity: float) -> np.ndarray:
    return (before * (1 - opacity) + np.array(colour) * opacity).round()


def is_tinted(picture: np.ndarray, before: np.ndarray, row: int, column: int, colour, opacity: float) -> bool:
    expected = tinted(before[row, column].astype(float), colour, opacity)
    return bool(np.abs(picture[row, column].astype(int) - expected).max() <= 1)


@pytest.fixture(scope="module")
def smiling(analyzer: FaceAnalyzer, spec: PhotoSpec) -> PhotoCheck:
    return check_photo(SMILING.read_bytes(), name=SMILING.name, analyzer=analyzer, spec=spec)


@pytest.fixture(scope="module")
def framed_low(analyzer: FaceAnalyzer, spec: PhotoSpec) -> PhotoCheck:
    """A spec image framed 100 px too low, reviewed as it is (480 x 640): head top and chin out of zone."""
    made = check_photo(NEUTRAL.read_bytes(), name=NEUTRAL.name, analyzer=analyzer, spec=spec)
    assert made.spec_rgb is not None
    return check_photo(bmp(shift(made.spec_rgb, 0, 100)), name="low.bmp", analyzer=analyzer, spec=spec)


def test_rejected_photo_is_drawn_on_its_spec_image_with_the_templates_red_zones_at_the_specs_rows(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    assert not smiling.passed and smiling.spec_rgb is not None
    before = smiling.spec_rgb.copy()
    picture = draw_overlay(smiling, spec)
    assert picture.dtype == np.uint8
    assert picture.shape == (spec.image.height, spec.image.width + overlay.PANEL_WIDTH, 3)
    assert np.array_equal(smiling.spec_rgb, before), "drawing does not touch the check's own image"
    column = (
        template_zones(spec, smiling.spec_face)[Region.HEAD_TOP][0].right - 3
    )  # beside the head, the labels
    red, opacity = overlay.ZONE_RED, overlay.ZONE_OPACITY  # the smile failed, not the framing
    (head_low, head_high), (chin_low, chin_high) = spec.geometry.head_top, spec.template.chin_zone
    for row in (round(head_low) + 30, round(head_high) - 2, round(chin_low) + 2, round(chin_high) - 2):
        assert is_tinted(picture, before, row, column, red, opacity), f"row {row} is in a red zone"
    for row in (round(head_low) - 3, round(head_high) + 3):
        assert np.array_equal(picture[row, column], before[row, column]), f"row {row} is outside the zones"
    beside = (330, 20)  # left of the ear zone, below the eye line
    assert np.array_equal(picture[beside], before[beside]), "nothing is drawn outside the zones"


def test_ears_have_green_zones_beside_the_cheek_edges_from_the_eye_line_to_the_nose(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    assert smiling.spec_rgb is not None and smiling.spec_face is not None
    face, picture = smiling.spec_face, draw_overlay(smiling, spec)
    right, left = template_zones(spec, face)[Region.EARS]
    cheeks = sorted(float(face.xy(index)[0]) for index in (lm.RIGHT_CHEEK_EDGE, lm.LEFT_CHEEK_EDGE))
    assert right.left < cheeks[0] < right.right and left.left < cheeks[1] < left.right, (
        "ears beside the cheeks"
    )
    assert right.top == round(face.eye_midpoint[1]) and right.bottom > right.top + 20
    for zone in (right, left):
        row, column = (zone.top + zone.bottom) // 2, zone.left + 2
        assert is_tinted(picture, smiling.spec_rgb, row, column, overlay.ZONE_GREEN, overlay.ZONE_OPACITY)


def test_every_failing_measure_is_labelled_in_chinese_and_english_with_its_hint_in_a_drawable_font(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    labels = failure_labels(smiling)
    assert [label.code for label in labels] == [m.reason.name for m in smiling.measurements if not m.passed]
    smile = next(label for label in labels if label.code == "SMILING")
    assert (smile.zh, smile.en, smile.hint) == (R.SMILING.zh, R.SMILING.en, R.SMILING.hint)
    assert (
        smile.measure.startswith("微笑程度 / smile = ")
        and f"(at most {spec.face.max_smile_score:g})" in smile.measure
    )
    font = find_label_font()
    assert all(font.missing(text) == "" for label in labels for text, _ in label.lines), "no empty boxes"
    panel = draw_overlay(smiling, spec)[:, spec.image.width :]
    red, green, blue = (panel[..., channel].astype(int) for channel in range(3))
    assert ((red > 200) & (green < 80) & (blue < 80)).any(), "the failing measure is written in red"


def test_every_template_rule_failing_is_marked_and_listed_and_the_panel_grows_to_list_them_all(
    smiling: PhotoCheck, spec: PhotoSpec
) -> None:
    """Each new region of the template's rules is drawn and labelled; none is cut from the list."""
    measures = [next(m for m in CATALOGUE if m.region is region) for region in TEMPLATE_REGIONS]
    failing = [failed(measure.name, measure.reasons[0]) for measure in measures]
    passing = dataclasses.replace(smiling, measurements=[m for m in smiling.measurements if m.passed])
    check = dataclasses.replace(passing, measurements=[*passing.measurements, *failing])
    labels = failure_labels(check)
    assert {label.region for label in labels} >= set(TEMPLATE_REGIONS)
    assert {label.code for label in labels} >= {measure.reasons[0].name for measure in measures}
    picture = draw_overlay(check, spec)
    assert (
        picture.shape[0] >= spec.image.height and picture.shape[1] == spec.image.width + overlay.PANEL_WIDTH
    )
    assert picture.shape[0] > spec.image.height, "six failures need more than the picture's height"
    plain = draw_overlay(passing, spec)[: spec.image.height, : spec.image.width]
    drawn = picture[: spec.image.height, : spec.image.width]
    assert smiling.spec_rgb is not None
    edge = (spec.image.height // 2, 2)
    assert is_tinted(drawn, plain, *edge, overlay.RED, overlay.FAILED_ZONE_OPACITY), "the border strips"
    ears = template_zones(spec, smiling.spec_face)[Region.EARS][0]
    assert np.all(drawn[ears.bottom, ears.left + 5 : ears.right - 5] == overlay.RED, axis=1).mean() > 0.5, (
        "a failing zone is outlined in red"
    )


def test_head_top_out_of_its_zone_is_a_red_line_at_the_measured_row_and_its_zone_is_highlighted(
    framed_low: PhotoCheck, spec: PhotoSpec
) -> None:
    head_top = next(m for m in framed_low.measurements if m.measure == "head_top")
    assert not head_top.passed and head_top.value is not None and framed_low.spec_rgb is not None
    picture = draw_overlay(framed_low, spec)
    row = picture[round(head_top.value), : spec.image.width]
    assert np.all(row == overlay.RED, axis=1).mean() > 0.9
    zone = template_zones(spec, framed_low.spec_face)[Region.HEAD_TOP][0]
    middle = (zone.top + zone.bottom) // 2
    assert is_tinted(
        picture, framed_low.spec_rgb, middle, zone.left + 3, overlay.ZONE_RED, overlay.FAILED_ZONE_OPACITY
    )
    assert np.all(picture[zone.top, zone.left + 20 : zone.right - 20] == overlay.RED, axis=1).mean() > 0.9


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
    assert [(label.code, label.zh, label.hint) for label in failure_labels(check)] == [
        ("NOT_AN_IMAGE", R.NOT_AN_IMAGE.zh, R.NOT_AN_IMAGE.hint)
    ]
    path = write_overlay(check, spec, tmp_path / "refused.png")
    with Image.open(path) as written:
        card = np.asarray(written.convert("RGB"))
    assert card.shape[1] == overlay.CARD_WIDTH and card.shape[0] < 200
    assert path.stat().st_size < 30_000
    written_rows = np.any(card != overlay.PANEL_BACKGROUND, axis=(1, 2))
    assert written_rows[: overlay.LINE_HEIGHT * 3].any(), "the first lines carry text"
    red, green, blue = (card[..., channel].astype(int) for channel in range(3))
    assert ((red > 150) & (green < 90) & (blue < 90)).any(), "the refusal is written in red"
