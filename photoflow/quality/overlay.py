"""A picture that shows a reviewer why stage 1 rejected a photo: the spec's bands, the face mesh, each
failing measure marked where it was measured and listed with its value and limits.

The bands are drawn on the spec image, the only frame they are defined in. A photo that could not be
standardised is drawn as it came, scaled to the spec height, with its mesh and failures but no bands,
which would mean nothing in its framing. A refused file has no picture, so its overlay is a small card
that says why. OpenCV draws ASCII only, so labels use the reason code and the English message. Where a
failing measure is marked follows its `Region` in the measure catalogue (`schemas/measure_catalogue.py`).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality.measurement import Measurement
from photoflow.quality.review import PhotoCheck
from schemas.measure_catalogue import MEASURES, Region

Colour = tuple[int, int, int]  # RGB
RED: Colour = (235, 30, 30)
GREEN: Colour = (40, 200, 80)
WHITE: Colour = (245, 245, 245)
GREY: Colour = (170, 170, 170)
BLACK: Colour = (0, 0, 0)
MESH: Colour = (120, 255, 140)
KEY_POINT: Colour = (255, 230, 0)
HEAD_TOP_BAND: Colour = (255, 170, 0)
EYE_LINE_BAND: Colour = (190, 60, 255)
PANEL_BACKGROUND: Colour = (32, 32, 36)
BAND_OPACITY = 0.28
PANEL_WIDTH = 420
FONT = cv2.FONT_HERSHEY_SIMPLEX
TEXT_SCALE = 0.45
LINE_HEIGHT = 17
MARGIN = 10  # px of panel left free on each side of the text
CARD_WIDTH = 560

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


def draw_overlay(check: PhotoCheck, spec: PhotoSpec) -> np.ndarray:
    """The overlay of one reviewed photo as an RGB uint8 array: the picture on the left, the findings panel
    on the right; a card with the refusal when the file held no picture."""
    if check.decoded is None:
        return _refusal_card(check)
    picture, face, scale = _base_picture(check, spec)
    on_spec_image = check.spec_rgb is not None
    failing = {MEASURES[m.measure].region for m in check.measurements if not m.passed}
    if on_spec_image:
        _draw_bands(picture, face, spec)
        if check.spec_mask is not None and Region.BACKGROUND in failing:
            _outline_person(picture, check.spec_mask)
    if face is not None:
        _draw_face(picture, face, failing)
    _draw_head_top(picture, check, scale, face)
    if on_spec_image:
        how = "standardised from the original" if check.standardised else "reviewed as sent"
        frame = f"spec image {spec.image.width}x{spec.image.height}, {how}"
    else:
        frame = f"original {check.decoded.width}x{check.decoded.height}, not standardised: shown scaled"
    panel = _panel(check, frame, picture.shape[0])
    return np.hstack([picture, panel])


def write_overlay(check: PhotoCheck, spec: PhotoSpec, path: Path) -> Path:
    """Write the overlay as PNG to `path` (folders made as needed) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(draw_overlay(check, spec)).save(path, "PNG")
    return path


def failure_notes(check: PhotoCheck) -> list[str]:
    """One line per failing measure: reason code, measure, value against its limits, English message."""
    return [_note(measurement) for measurement in check.measurements if not measurement.passed]


def _note(measurement: Measurement) -> str:
    found = measurement.measure
    if measurement.value is not None:
        found += f" = {measurement.value:.4g}{_limits(measurement)}"
    return f"{measurement.reason.name}: {found} - {measurement.reason.en}"


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


def _draw_bands(picture: np.ndarray, face: FaceLandmarks | None, spec: PhotoSpec) -> None:
    """Head-top and eye-line bands across the image; the face-width band as two pairs of lines on the face."""
    geometry = spec.geometry
    for (top, bottom), colour, label in (
        (geometry.head_top, HEAD_TOP_BAND, "head top"),
        (geometry.eye_line, EYE_LINE_BAND, "eye line"),
    ):
        rows = picture[int(top) : int(bottom) + 1]
        rows[:] = (rows * (1 - BAND_OPACITY) + np.array(colour) * BAND_OPACITY).round().astype(np.uint8)
        _label(picture, f"{label} {top:g}-{bottom:g}", (4, int(top) + 13), colour)
    if face is None:
        return
    centre = (face.xy(lm.RIGHT_CHEEK_EDGE)[0] + face.xy(lm.LEFT_CHEEK_EDGE)[0]) / 2
    top, bottom = int(face.xy(lm.FOREHEAD_TOP)[1]), int(face.xy(lm.CHIN)[1])
    low, high = geometry.face_width
    for half_width, thickness in ((low / 2, 1), (high / 2, 2)):
        for x in (centre - half_width, centre + half_width):
            cv2.line(picture, (round(x), top), (round(x), bottom), HEAD_TOP_BAND, thickness, cv2.LINE_AA)
    text = f"face width {low:g}/{high:g}"
    _label(picture, text, (round(centre - _text_width(text) / 2), bottom + 16), HEAD_TOP_BAND)


def _outline_person(picture: np.ndarray, mask: np.ndarray) -> None:
    """The person's outline in red: the background the failing background measure judged lies outside it."""
    contours, _ = cv2.findContours((mask > 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(picture, contours, -1, RED, 2, cv2.LINE_AA)


def _draw_face(picture: np.ndarray, face: FaceLandmarks, failing: set[Region | None]) -> None:
    """The eye line, mesh dots, the regions of the failing measures outlined, and the key points on top."""
    eye_fault = Region.EYE_LINE in failing
    _draw_eye_line(picture, face, RED if eye_fault else GREEN, 2 if eye_fault else 1)
    for x, y in np.round(face.points[:, :2]).astype(int):
        cv2.circle(picture, (int(x), int(y)), 1, MESH, -1)
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
        _label(picture, "shoulders missing below here", (4, chin + 16), RED)
    for index in KEY_POINTS:
        point = _point(face.xy(index))
        cv2.circle(picture, point, 4, BLACK, -1, cv2.LINE_AA)
        cv2.circle(picture, point, 3, KEY_POINT, -1, cv2.LINE_AA)


def _draw_eye_line(picture: np.ndarray, face: FaceLandmarks, colour: Colour, thickness: int) -> None:
    """The line through both iris centres, across the whole picture, at the measured eye height and tilt."""
    (x1, y1), (x2, y2) = face.right_eye, face.left_eye
    slope = (y2 - y1) / (x2 - x1) if abs(x2 - x1) > 1e-6 else 0.0
    width = picture.shape[1]
    start, end = (0, y1 - slope * x1), (width - 1, y1 + slope * (width - 1 - x1))
    cv2.line(picture, _point(start), _point(end), colour, thickness, cv2.LINE_AA)


def _draw_head_top(picture: np.ndarray, check: PhotoCheck, scale: float, face: FaceLandmarks | None) -> None:
    """The measured top of the head: green across the face when in its band, red across the picture if not."""
    measurement = next((m for m in check.measurements if MEASURES[m.measure].region is Region.HEAD_TOP), None)
    if measurement is None:
        return
    width = picture.shape[1]
    if measurement.passed and measurement.value is not None:
        row = round(measurement.value * scale)
        left, right = (0, width - 1)
        if face is not None:
            centre, half = face.eye_midpoint[0], 0.5 * face.face_width
            left, right = round(centre - half), round(centre + half)
        cv2.line(picture, (left, row), (right, row), GREEN, 1, cv2.LINE_AA)
        return
    cut_off = measurement.value is None or measurement.value <= 1
    row = 1 if cut_off or measurement.value is None else round(measurement.value * scale)
    cv2.line(picture, (0, row), (width - 1, row), RED, 3 if cut_off else 2, cv2.LINE_AA)
    text = "head cut off at the top edge" if cut_off else f"head top at {measurement.value:.0f}"
    _label(picture, text, (width - 8 - _text_width(text), row + 18), RED)


def _panel(check: PhotoCheck, frame: str, height: int) -> np.ndarray:
    """The strip on the right: file, verdict, frame, then every failing measure with value and limits."""
    lines: list[tuple[str, Colour]] = [(_ascii(check.file), WHITE)]
    lines.append(("PASSED" if check.passed else "REJECTED", GREEN if check.passed else RED))
    lines += [(part, GREY) for part in _wrap(frame, PANEL_WIDTH)]
    lines.append(("", WHITE))
    for note in failure_notes(check):
        code, rest = note.split(": ", 1)
        lines.append((code, RED))
        lines += [(part, WHITE) for part in _wrap(rest, PANEL_WIDTH, indent="  ")]
    return _text_block(lines, PANEL_WIDTH, height)


def _refusal_card(check: PhotoCheck) -> np.ndarray:
    """A small card for a file that held no picture: the refusal code, its message and what to do."""
    measurement = check.measurements[0] if check.measurements else None
    lines: list[tuple[str, Colour]] = [(_ascii(check.file), WHITE), ("REFUSED: no picture to review", RED)]
    if measurement is not None:
        lines.append((f"{measurement.reason.name}: {measurement.reason.en}", RED))
    lines += [(part, WHITE) for part in _wrap(_ascii(check.refusal or ""), CARD_WIDTH)]
    if measurement is not None:
        lines += [(part, GREY) for part in _wrap(f"What to do: {measurement.reason.hint}", CARD_WIDTH)]
    return _text_block(lines, CARD_WIDTH, LINE_HEIGHT * (len(lines) + 2))


def _text_block(lines: list[tuple[str, Colour]], width: int, height: int) -> np.ndarray:
    """Lines of text on a dark strip; what does not fit is summed up in a last line."""
    block = np.full((height, width, 3), PANEL_BACKGROUND, np.uint8)
    fits = max(1, (height - LINE_HEIGHT) // LINE_HEIGHT)
    if len(lines) > fits:
        lines = [*lines[: fits - 1], (f"... {len(lines) - fits + 1} more lines", GREY)]
    for number, (text, colour) in enumerate(lines, start=1):
        cv2.putText(block, text, (MARGIN, number * LINE_HEIGHT), FONT, TEXT_SCALE, colour, 1, cv2.LINE_AA)
    return block


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Words into lines that fit `width` px of panel, later lines indented."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width(f"{lines[-1]} {word}") <= width - 2 * MARGIN:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(f"{indent if lines else ''}{word}")
    return lines


def _label(picture: np.ndarray, text: str, origin: tuple[int, int], colour: Colour) -> None:
    """Text on the picture with a dark edge, readable on skin, hair and a light background alike."""
    cv2.putText(picture, text, origin, FONT, TEXT_SCALE, BLACK, 3, cv2.LINE_AA)
    cv2.putText(picture, text, origin, FONT, TEXT_SCALE, colour, 1, cv2.LINE_AA)


def _text_width(text: str) -> int:
    return cv2.getTextSize(text, FONT, TEXT_SCALE, 1)[0][0]


def _point(xy: np.ndarray | tuple[float, float]) -> tuple[int, int]:
    return round(float(xy[0])), round(float(xy[1]))


def _ascii(text: str) -> str:
    """OpenCV's fonts have ASCII only: other characters (a Chinese file name) become '?'."""
    return text.encode("ascii", "replace").decode("ascii")
