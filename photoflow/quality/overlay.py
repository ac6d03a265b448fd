"""A picture that shows a reviewer why stage 1 rejected a photo, drawn as the registry's collection
template: red zones where the head top, the eyes and the chin must lie, green zones where the ears must
lie (seed `000`: 下巴、头顶、眼睛必须在图中红色区域范围内，耳朵必须在绿色区域范围内), what was measured drawn
on top, and each failing measure numbered on the picture and listed in a side panel in Chinese and
English with what the student must do.

The zones are drawn on the spec image, the only frame they are defined in. A photo that could not be
standardised is drawn as it came, scaled to the spec height, with its mesh and failures but no zones,
which would mean nothing in its framing. A refused file has no picture, so its overlay is a small card
that says why. Where a failing measure is marked follows its `Region` in the measure catalogue
(`schemas/measure_catalogue.py`). Text is drawn with the Chinese font the print labels use
(`photoflow.printing.fonts.find_label_font`), since OpenCV's own fonts have ASCII only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from data_contracts.photo_spec import Band, PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.landmarks import FaceLandmarks
from photoflow.printing.fonts import find_label_font
from photoflow.quality.measurement import Measurement
from photoflow.quality.review import PhotoCheck
from schemas.measure_catalogue import MEASURES, Region

Colour = tuple[int, int, int]  # RGB
RED: Colour = (235, 30, 30)
GREEN: Colour = (40, 200, 80)
WHITE: Colour = (245, 245, 245)
GREY: Colour = (170, 170, 170)
BLACK: Colour = (0, 0, 0)
HINT: Colour = (255, 214, 120)
MESH: Colour = (235, 235, 235)
MEASURED: Colour = (255, 230, 0)  # what was measured, where it passed
KEY_POINT: Colour = (255, 230, 0)
ZONE_RED: Colour = (230, 20, 20)  # the template's zones for the head top, the eyes and the chin
ZONE_GREEN: Colour = (20, 210, 70)  # the template's zones for the ears
PANEL_BACKGROUND: Colour = (32, 32, 36)
ZONE_OPACITY = 0.15  # light enough that the face under the zones stays readable; each zone is outlined
FAILED_ZONE_OPACITY = 0.35  # a zone whose measure failed is drawn stronger and outlined in red
MESH_OPACITY = 0.35
EDGE_STRIP = 8  # px of each border marked when a black or uneven edge was found
PANEL_WIDTH = 500
TEXT_PX = 15
LINE_HEIGHT = 19
MARGIN = 10  # px of panel left free on each side of the text
CARD_WIDTH = 560
NOSE_BOTTOM = 2  # face-mesh point under the nose: the ear zones reach down to it

# drawn larger than the rest of the mesh
KEY_POINTS = (
    lm.RIGHT_IRIS,
    lm.LEFT_IRIS,
    lm.MOUTH_RIGHT,
    lm.MOUTH_LEFT,
    lm.RIGHT_CHEEK_EDGE,
    lm.LEFT_CHEEK_EDGE,
)
# the face-mesh rings outlined where a failing measure of each region looked, in the order they are drawn
RINGS: dict[Region, tuple[tuple[int, ...], ...]] = {
    Region.EYES: (lm.RIGHT_EYE_RING, lm.LEFT_EYE_RING),
    Region.MOUTH: (lm.INNER_LIPS,),
    Region.CHEEKS: (lm.RIGHT_CHEEK, lm.LEFT_CHEEK),
    Region.FACE_OVAL: (lm.FACE_OVAL,),
}


@dataclass(frozen=True)
class FailureLabel:
    """What the panel writes for one failing measure: its number on the picture, the measure with its
    value against the limits, the reason in Chinese and English, and what the student must do."""

    number: int
    code: str  # the reason's name, e.g. SMILING
    measure: str  # the measure's label in Chinese and English, with its value and limits
    zh: str
    en: str
    hint: str
    region: Region | None

    @property
    def lines(self) -> tuple[tuple[str, Colour], ...]:
        return (
            (f"{self.number}. {self.code}  {self.measure}", RED),
            (f"{self.zh} / {self.en}", WHITE),
            (f"→ {self.hint}", HINT),
        )


@dataclass
class _Text:
    """Text to write once the shapes are drawn (PIL, with the Chinese font), in picture pixels."""

    text: str
    xy: tuple[int, int]
    colour: Colour
    outline: bool = True  # a dark edge, readable on skin, hair and a light background alike


@dataclass(frozen=True)
class Zone:
    """One of the template's rectangles: rows and columns, inclusive at both ends."""

    top: int
    bottom: int
    left: int
    right: int


def draw_overlay(check: PhotoCheck, spec: PhotoSpec) -> np.ndarray:
    """The overlay of one reviewed photo as an RGB uint8 array: the picture on the left, the findings panel
    on the right; a card with the refusal when the file held no picture."""
    if check.decoded is None:
        return _refusal_card(check)
    picture, face, scale = _base_picture(check, spec)
    labels = failure_labels(check)
    failing = {label.region for label in labels}
    texts: list[_Text] = []
    on_spec_image = check.spec_rgb is not None
    if on_spec_image:
        texts += _draw_template(picture, face, spec, failing)
        if check.spec_mask is not None and Region.BACKGROUND in failing:
            _outline_person(picture, check.spec_mask)
    if face is not None:
        texts += _draw_face(picture, check, face, spec, failing)
    texts += _draw_head_top(picture, check, scale, face)
    texts += _draw_frame_rules(picture, check, face, failing)
    texts += _numbers(picture, labels, face, check, scale)
    if on_spec_image:
        how = "standardised from the original" if check.standardised else "reviewed as sent"
        frame = f"spec image {spec.image.width}x{spec.image.height}, {how}"
    else:
        frame = f"original {check.decoded.width}x{check.decoded.height}, not standardised: shown scaled"
    panel = _panel(check, labels, frame, on_spec_image, picture.shape[0])
    canvas = np.full((panel.shape[0], picture.shape[1] + PANEL_WIDTH, 3), PANEL_BACKGROUND, np.uint8)
    canvas[: picture.shape[0], : picture.shape[1]] = picture
    canvas[:, picture.shape[1] :] = panel
    return _write(canvas, texts)


def write_overlay(check: PhotoCheck, spec: PhotoSpec, path: Path) -> Path:
    """Write the overlay as PNG to `path` (folders made as needed) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(draw_overlay(check, spec)).save(path, "PNG")
    return path


def failure_labels(check: PhotoCheck) -> list[FailureLabel]:
    """One label per failing measure, numbered in stage 1's order: what the panel writes."""
    failed = [measurement for measurement in check.measurements if not measurement.passed]
    return [_failure_label(number, measurement) for number, measurement in enumerate(failed, start=1)]


def _failure_label(number: int, measurement: Measurement) -> FailureLabel:
    entry = MEASURES.get(measurement.measure)
    found = entry.label if entry is not None else measurement.measure
    if measurement.value is not None:
        found += f" = {measurement.value:.4g}{_limits(measurement)}"
    reason = measurement.reason
    return FailureLabel(
        number=number,
        code=reason.name,
        measure=found,
        zh=reason.zh,
        en=reason.en,
        hint=reason.hint,
        region=entry.region if entry is not None else None,
    )


def _limits(measurement: Measurement) -> str:
    low, high = measurement.low, measurement.high
    if low is not None and high is not None:
        return f" (limits {low:g} .. {high:g})" if low != high else f" (must be {low:g})"
    if high is not None:
        return f" (at most {high:g})"
    return f" (at least {low:g})" if low is not None else ""


def _base_picture(check: PhotoCheck, spec: PhotoSpec) -> tuple[np.ndarray, FaceLandmarks | None, float]:
    """The picture to draw on, the face mesh in its pixels, and its scale from the original."""
    if check.spec_rgb is not None:
        return check.spec_rgb.copy(), check.spec_face, 1.0
    assert check.decoded is not None
    rgb = check.decoded.rgb
    scale = spec.image.height / rgb.shape[0]
    size = (max(1, round(rgb.shape[1] * scale)), spec.image.height)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    picture = cv2.resize(rgb, size, interpolation=interpolation)
    face = check.source_face
    if face is not None:
        face = face.transformed(np.array([[scale, 0.0, 0.0], [0.0, scale, 0.0]]))
    return picture, face, scale


def template_zones(spec: PhotoSpec, face: FaceLandmarks | None) -> dict[Region, list[Zone]]:
    """The template's zones in the spec image, fixed on its vertical centre line as the registry's template
    is: red bands for the head top, the eyes and the chin, as wide as the widest face the spec allows
    (the eye band between the ear zones), and a green zone for each ear on the face-width band, where a
    centred face's cheek edges and ears lie, from the eye line down to the bottom of the nose (the eye
    band where no face was found), the rows the ear measures look at."""
    geometry = spec.geometry
    centre = spec.image.width / 2
    narrow, wide = geometry.face_width[0] / 2, geometry.face_width[1] / 2
    head_top, eye_line, chin = geometry.head_top, geometry.eye_line, spec.template.chin_zone
    ears_rows = eye_line
    if face is not None:
        ears_rows = (float(face.eye_midpoint[1]), float(face.xy(NOSE_BOTTOM)[1]))

    def zone(rows: Band, left: float, right: float) -> Zone:
        return Zone(round(rows[0]), round(rows[1]), round(left), round(right))

    return {
        Region.HEAD_TOP: [zone(head_top, centre - wide, centre + wide)],
        Region.EYE_LINE: [zone(eye_line, centre - narrow, centre + narrow)],
        Region.CHIN: [zone(chin, centre - wide, centre + wide)],
        Region.EARS: [
            zone(ears_rows, centre - wide, centre - narrow),
            zone(ears_rows, centre + narrow, centre + wide),
        ],
    }


def _draw_template(
    picture: np.ndarray,
    face: FaceLandmarks | None,
    spec: PhotoSpec,
    failing: set[Region | None],
) -> list[_Text]:
    """The template's zones, translucent, stronger and outlined where a measure of theirs failed; the
    measured chin and cheek edges on top."""
    texts: list[_Text] = []
    named = {
        Region.HEAD_TOP: "头顶 head top",
        Region.EYE_LINE: "眼睛 eyes",
        Region.CHIN: "下巴 chin",
        Region.EARS: "耳朵 ears",
    }
    for region, zones in template_zones(spec, face).items():
        colour = ZONE_GREEN if region is Region.EARS else ZONE_RED
        failed = region in failing
        for zone in zones:
            _tint(picture, zone, colour, FAILED_ZONE_OPACITY if failed else ZONE_OPACITY)
            outline, thickness = (RED, 2) if failed else (colour, 1)
            corners = (zone.left, zone.top), (zone.right, zone.bottom)
            cv2.rectangle(picture, *corners, outline, thickness, cv2.LINE_AA)
        first, last = zones[0], zones[-1]
        if region is Region.EARS:  # under the zone on the image's right, clear of the bands' names
            texts.append(_Text(named[region], (last.left, last.bottom + 3), ZONE_GREEN))
        else:
            texts.append(_Text(f"{named[region]} {first.top}-{first.bottom}", (4, first.top + 2), WHITE))
    if face is not None:
        chin_failed = Region.CHIN in failing
        chin = round(face.xy(lm.CHIN)[1])
        half = round(face.face_width / 2)
        middle = round(float(face.xy(lm.CHIN)[0]))
        colour, thickness = (RED, 3) if chin_failed else (MEASURED, 1)
        cv2.line(picture, (middle - half, chin), (middle + half, chin), colour, thickness, cv2.LINE_AA)
        ears_failed = Region.EARS in failing or Region.FACE_WIDTH in failing
        top, bottom = round(face.eye_midpoint[1]) - 20, round(face.xy(NOSE_BOTTOM)[1]) + 20
        for index in (lm.RIGHT_CHEEK_EDGE, lm.LEFT_CHEEK_EDGE):
            x = round(float(face.xy(index)[0]))
            colour, thickness = (RED, 3) if ears_failed else (MEASURED, 1)
            cv2.line(picture, (x, top), (x, bottom), colour, thickness, cv2.LINE_AA)
    return texts


def _tint(picture: np.ndarray, zone: Zone, colour: Colour, opacity: float) -> None:
    height, width = picture.shape[:2]
    top, bottom = max(0, zone.top), min(height - 1, zone.bottom)
    left, right = max(0, zone.left), min(width - 1, zone.right)
    area = picture[top : bottom + 1, left : right + 1]
    area[:] = (area * (1 - opacity) + np.array(colour) * opacity).round().astype(np.uint8)


def _outline_person(picture: np.ndarray, mask: np.ndarray) -> None:
    """The person's outline in red: the background the failing background measure judged lies outside it."""
    contours, _ = cv2.findContours((mask > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(picture, contours, -1, RED, 2, cv2.LINE_AA)


def _draw_face(
    picture: np.ndarray, check: PhotoCheck, face: FaceLandmarks, spec: PhotoSpec, failing: set[Region | None]
) -> list[_Text]:
    """The eye line, faint mesh dots, the regions of the failing measures outlined, the key points on top."""
    texts: list[_Text] = []
    eye_fault = Region.EYE_LINE in failing
    dots = picture.copy()
    for x, y in np.round(face.points[:, :2]).astype(int):
        cv2.circle(dots, (int(x), int(y)), 1, MESH, -1)
    picture[:] = (picture * (1 - MESH_OPACITY) + dots * MESH_OPACITY).round().astype(np.uint8)
    _draw_eye_line(picture, face, RED if eye_fault else MEASURED, 2 if eye_fault else 1)
    outlined = {ring for region, rings in RINGS.items() if region in failing for ring in rings}
    for ring in outlined:
        points = np.round(face.points[list(ring), :2]).astype(np.int32)
        cv2.polylines(picture, [points], True, RED, 2, cv2.LINE_AA)
    if Region.FACE_WIDTH in failing:
        right, left = face.xy(lm.RIGHT_CHEEK_EDGE), face.xy(lm.LEFT_CHEEK_EDGE)
        cv2.line(picture, _point(right), _point(left), RED, 2, cv2.LINE_AA)
    if Region.BELOW_CHIN in failing:
        chin = round(face.xy(lm.CHIN)[1])
        cv2.line(picture, (0, chin), (picture.shape[1] - 1, chin), RED, 2, cv2.LINE_AA)
        texts.append(_Text("下巴以下拍得太少，请拍到胸口以下 too little below the chin", (4, chin + 4), RED))
    if Region.HEADWEAR in failing:
        zone = _headwear_zone(check, face)
        _tint(picture, zone, RED, FAILED_ZONE_OPACITY)
        cv2.rectangle(picture, (zone.left, zone.top), (zone.right, zone.bottom), RED, 2, cv2.LINE_AA)
    if Region.SHOULDERS in failing and check.spec_mask is not None:
        line = _shoulder_line(check.spec_mask, face, spec)
        if line is not None:
            cv2.line(picture, line[0], line[1], RED, 3, cv2.LINE_AA)
    for index in KEY_POINTS:
        point = _point(face.xy(index))
        cv2.circle(picture, point, 4, BLACK, -1, cv2.LINE_AA)
        cv2.circle(picture, point, 3, KEY_POINT, -1, cv2.LINE_AA)
    return texts


def _headwear_zone(check: PhotoCheck, face: FaceLandmarks) -> Zone:
    """The area above the forehead, up to the measured head top (the image's top edge where none was
    measured), as wide as the face."""
    measured = _head_top(check)
    head_top = measured.value if measured is not None else None
    forehead = float(face.xy(lm.FOREHEAD_TOP)[1])
    top = head_top if head_top is not None and head_top < forehead else 0.0
    centre, half = float(face.eye_midpoint[0]), face.face_width / 2
    return Zone(round(top), round(forehead), round(centre - half), round(centre + half))


def _shoulder_line(
    mask: np.ndarray, face: FaceLandmarks, spec: PhotoSpec
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The top of the person below the chin either side of the face's centre, midway between the spec's
    shoulder offsets: the shoulder line the shoulders measure judged; None where a shoulder is outside
    the frame."""
    offset = sum(spec.head.shoulder_offsets) / 2
    height, width = mask.shape[:2]
    chin = int(min(max(face.xy(lm.CHIN)[1], 0), height - 1))
    ends = []
    for side in (-1, 1):
        x = round(float(face.eye_midpoint[0]) + side * offset * face.face_width)
        if not 0 <= x < width:
            return None
        column = mask[chin:, x] > 0.5
        if not column.any():
            return None
        ends.append((x, chin + int(column.argmax())))
    return ends[0], ends[1]


def _head_top(check: PhotoCheck) -> Measurement | None:
    """The head top measured in the frame drawn: the spec image's, else the original's."""
    name = "head_top" if check.spec_rgb is not None else "source_head_top"
    return next((m for m in check.measurements if m.measure == name), None)


def _draw_eye_line(picture: np.ndarray, face: FaceLandmarks, colour: Colour, thickness: int) -> None:
    """The line through both iris centres, across the whole picture, at the measured eye height and tilt."""
    (x1, y1), (x2, y2) = face.right_eye, face.left_eye
    slope = (y2 - y1) / (x2 - x1) if abs(x2 - x1) > 1e-6 else 0.0
    width = picture.shape[1]
    start, end = (0, y1 - slope * x1), (width - 1, y1 + slope * (width - 1 - x1))
    cv2.line(picture, _point(start), _point(end), colour, thickness, cv2.LINE_AA)


def _draw_head_top(
    picture: np.ndarray, check: PhotoCheck, scale: float, face: FaceLandmarks | None
) -> list[_Text]:
    """The measured top of the head: across the face when in its band, red across the picture if not."""
    measurement = _head_top(check)
    if measurement is None:
        return []
    width = picture.shape[1]
    if measurement.passed and measurement.value is not None:
        row = round(measurement.value * scale)
        left, right = (0, width - 1)
        if face is not None:
            centre, half = face.eye_midpoint[0], 0.5 * face.face_width
            left, right = round(centre - half), round(centre + half)
        cv2.line(picture, (left, row), (right, row), MEASURED, 1, cv2.LINE_AA)
        return []
    cut_off = measurement.value is None or measurement.value <= 1
    row = 1 if cut_off or measurement.value is None else round(measurement.value * scale)
    cv2.line(picture, (0, row), (width - 1, row), RED, 3 if cut_off else 2, cv2.LINE_AA)
    text = "头顶被裁 head cut off at the top edge" if cut_off else f"头顶 head top at {measurement.value:.0f}"
    return [_Text(text, (width - 8 - _text_width(text), row + 4), RED)]


def _draw_frame_rules(
    picture: np.ndarray,
    check: PhotoCheck,
    face: FaceLandmarks | None,
    failing: set[Region | None],
) -> list[_Text]:
    """The image's vertical centre line (and the face's centre, red, when the centring failed) and the
    border strips a black or uneven edge was looked for in."""
    height, width = picture.shape[:2]
    texts: list[_Text] = []
    if check.spec_rgb is not None:
        middle = width // 2
        for top in range(0, height, 12):
            cv2.line(picture, (middle, top), (middle, min(height - 1, top + 5)), WHITE, 1)
    if Region.CENTRE_LINE in failing and face is not None:
        centre = round((face.xy(lm.RIGHT_CHEEK_EDGE)[0] + face.xy(lm.LEFT_CHEEK_EDGE)[0]) / 2)
        cv2.line(picture, (centre, 0), (centre, height - 1), RED, 2, cv2.LINE_AA)
        row = round(face.xy(lm.CHIN)[1]) + 30
        cv2.arrowedLine(picture, (width // 2, row), (centre, row), RED, 2, cv2.LINE_AA, tipLength=0.3)
    if Region.EDGES in failing:
        for zone in (
            Zone(0, EDGE_STRIP - 1, 0, width - 1),
            Zone(height - EDGE_STRIP, height - 1, 0, width - 1),
            Zone(0, height - 1, 0, EDGE_STRIP - 1),
            Zone(0, height - 1, width - EDGE_STRIP, width - 1),
        ):
            _tint(picture, zone, RED, FAILED_ZONE_OPACITY)
        texts.append(_Text("黑边 black edge", (EDGE_STRIP + 4, height - EDGE_STRIP - TEXT_PX - 6), RED))
    return texts


def _anchor(
    region: Region | None, face: FaceLandmarks | None, check: PhotoCheck, scale: float, size: tuple[int, int]
) -> tuple[int, int]:
    """Where a failing measure's number goes on the picture: beside what it looked at; the top right
    corner for a measure with nothing to mark."""
    height, width = size
    if face is None or region is None:
        return width - 20, 20
    right_edge = float(max(face.xy(lm.RIGHT_CHEEK_EDGE)[0], face.xy(lm.LEFT_CHEEK_EDGE)[0]))
    rows: dict[Region, float] = {
        Region.EYES: float(face.eye_midpoint[1]),
        Region.EYE_LINE: float(face.eye_midpoint[1]),
        Region.MOUTH: float(face.xy(lm.UPPER_LIP_INNER)[1]),
        Region.CHEEKS: float(face.xy(lm.RIGHT_CHEEK[0])[1]),
        Region.FACE_OVAL: float(face.xy(lm.FOREHEAD_TOP)[1]) + 20,
        Region.FACE_WIDTH: float(face.xy(lm.RIGHT_CHEEK_EDGE)[1]),
        Region.EARS: float(face.xy(NOSE_BOTTOM)[1]),
        Region.CHIN: float(face.xy(lm.CHIN)[1]),
        Region.BELOW_CHIN: float(face.xy(lm.CHIN)[1]) + 30,
        Region.SHOULDERS: float(face.xy(lm.CHIN)[1]) + 0.5 * face.face_width,
        Region.HEADWEAR: float(face.xy(lm.FOREHEAD_TOP)[1]) - 25,
        Region.BACKGROUND: 40.0,
        Region.EDGES: height - 40.0,
        Region.CENTRE_LINE: float(face.xy(lm.CHIN)[1]) + 55,
    }
    if region is Region.HEAD_TOP:
        measured = _head_top(check)
        value = measured.value if measured is not None and measured.value is not None else 0.0
        row = value * scale - 16  # above the line, clear of its label below
    else:
        row = rows[region]
    x = width - 20 if region in (Region.BACKGROUND, Region.EDGES) else right_edge + 60
    return round(min(width - 14, x)), round(min(height - 14, max(14, row)))


def _numbers(
    picture: np.ndarray,
    labels: list[FailureLabel],
    face: FaceLandmarks | None,
    check: PhotoCheck,
    scale: float,
) -> list[_Text]:
    """Each failing measure's number in a red disc beside what it looked at, matching the panel's list."""
    texts: list[_Text] = []
    taken: list[tuple[int, int]] = []
    for label in labels:
        x, y = _anchor(label.region, face, check, scale, (picture.shape[0], picture.shape[1]))
        while any(abs(x - other_x) < 24 and abs(y - other_y) < 24 for other_x, other_y in taken):
            x -= 26  # two failures in one place: side by side
        taken.append((x, y))
        cv2.circle(picture, (x, y), 11, WHITE, -1, cv2.LINE_AA)
        cv2.circle(picture, (x, y), 9, RED, -1, cv2.LINE_AA)
        text = str(label.number)
        texts.append(_Text(text, (x - _text_width(text) // 2, y - TEXT_PX // 2 - 2), WHITE, outline=False))
    return texts


def _panel(
    check: PhotoCheck, labels: list[FailureLabel], frame: str, on_spec_image: bool, height: int
) -> np.ndarray:
    """The strip on the right: file, verdict, frame, the template's key, then every failing measure; as
    high as the picture, or higher when the failures need it (the picture then has panel colour below),
    so that no failure goes unlisted."""
    lines: list[tuple[str, Colour]] = [(check.file, WHITE)]
    lines.append(("通过 PASSED" if check.passed else "不通过 REJECTED", GREEN if check.passed else RED))
    lines += [(part, GREY) for part in _wrap(frame, PANEL_WIDTH)]
    if on_spec_image:
        key = "模板: 头顶、眼睛、下巴须在红色区域内，耳朵须在绿色区域内; 黄线为测量值"
        lines += [(part, GREY) for part in _wrap(key, PANEL_WIDTH)]
        key = (
            "template: head top, eyes and chin inside the red zones, ears inside the green; yellow: measured"
        )
        lines += [(part, GREY) for part in _wrap(key, PANEL_WIDTH)]
    for label in labels:
        lines.append(("", WHITE))
        for text, colour in label.lines:
            lines += [(part, colour) for part in _wrap(text, PANEL_WIDTH, indent="    ")]
    return _text_block(lines, PANEL_WIDTH, max(height, LINE_HEIGHT * (len(lines) + 1)))


def _refusal_card(check: PhotoCheck) -> np.ndarray:
    """A small card for a file that held no picture: the refusal code, its message and what to do."""
    measurement = check.measurements[0] if check.measurements else None
    lines: list[tuple[str, Colour]] = [(check.file, WHITE), ("拒收 REFUSED: no picture to review", RED)]
    if measurement is not None:
        reason = measurement.reason
        lines.append((f"{reason.name}: {reason.zh} / {reason.en}", RED))
    lines += [(part, WHITE) for part in _wrap(check.refusal or "", CARD_WIDTH)]
    if measurement is not None:
        lines += [(part, GREY) for part in _wrap(f"What to do: {measurement.reason.hint}", CARD_WIDTH)]
    return _text_block(lines, CARD_WIDTH, LINE_HEIGHT * (len(lines) + 2))


def _text_block(lines: list[tuple[str, Colour]], width: int, height: int) -> np.ndarray:
    """Lines of text on a dark strip `height` px high, which must hold them."""
    block = np.full((height, width, 3), PANEL_BACKGROUND, np.uint8)
    texts = [
        _Text(text, (MARGIN, LINE_HEIGHT // 2 + number * LINE_HEIGHT), colour, outline=False)
        for number, (text, colour) in enumerate(lines)
    ]
    return _write(block, texts)


def _write(canvas: np.ndarray, texts: list[_Text]) -> np.ndarray:
    """The canvas with the texts written on it."""
    if not texts:
        return canvas
    image = Image.fromarray(canvas)
    draw = ImageDraw.Draw(image)
    for text in texts:
        draw.text(
            text.xy,
            text.text,
            fill=text.colour,
            font=_font(),
            stroke_width=2 if text.outline else 0,
            stroke_fill=BLACK,
        )
    return np.asarray(image).copy()


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Text into lines that fit `width` px of panel, later lines indented; Chinese, which has no spaces
    between words, breaks between any two characters."""
    lines: list[str] = []
    room = width - 2 * MARGIN
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        current = f"{indent if lines else ''}{word}"
        while _text_width(current) > room and len(current) > 1:
            cut = len(current)
            while cut > 1 and _text_width(current[:cut]) > room:
                cut -= 1
            lines.append(current[:cut])
            current = indent + current[cut:]
        lines.append(current)
    return lines


@cache
def _font() -> ImageFont.FreeTypeFont:
    found = find_label_font()
    return ImageFont.truetype(str(found.path), TEXT_PX, index=found.index)


@lru_cache(maxsize=4096)  # the same labels and hints come back photo after photo
def _text_width(text: str) -> int:
    return round(_font().getlength(text))


def _point(xy: np.ndarray | tuple[float, float]) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))
