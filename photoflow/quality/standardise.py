"""Turn a student's portrait into the registry's spec image, or say why it cannot be done.

The face is levelled (eye line horizontal), scaled and cropped as a studio frames it: face width, head
top and eye line on the spec's targets where the original allows, anywhere inside their bands where it
does not, and the frame filled by the original (shoulders to the bottom edge, never a band of painted
background below or beside the body). The plain background is recoloured to the spec colour from the
person mask, and the JPEG is encoded inside the file-size band. Corrections are bounded by the spec: a
head tilted further than `max_roll_correction`, an original cut too close below the chin or above the
head to fill the frame, a face too small to scale up, or a cluttered background are failures with
reasons, never a bad image.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.analyzer import FaceAnalysis
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality import measures
from photoflow.quality.matting import replace_background
from photoflow.quality.measurement import Measurement, at_least, at_most, within
from schemas.reasons import PhotoReason as R

SOURCE_TEXTURE_SIDE = 320  # the source background's texture is measured at this long side
BOTTOM_BAND_COVER = 0.05  # a row in which the person covers less than this share counts as background


@dataclass(frozen=True)
class Standardised:
    rgb: np.ndarray  # the spec image, H x W x 3 uint8
    mask: np.ndarray  # the person in it: the warped mask, or the matte where it found more (hair)
    jpeg: bytes
    quality: int
    matrix: np.ndarray  # 2x3 affine from the source into the spec image


def source_checks(
    analysis: FaceAnalysis, rgb: np.ndarray, top: float | None, spec: PhotoSpec
) -> list[Measurement]:
    """What must hold in the original (`top`: its head-top row) before standardising it makes sense."""
    face = analysis.landmarks
    checks = [measures.face_count(analysis.face_count)]
    if face is None:
        return checks
    intake = spec.intake
    checks += [
        at_least("source_face_width", face.face_width, intake.min_source_face_width, R.LOW_RESOLUTION),
        within("roll", face.roll, -intake.max_roll_correction, intake.max_roll_correction, R.HEAD_ROLL),
        # hair at the original's top edge is the framing's to judge (HEAD_TOO_CLOSE_TO_TOP); only a
        # forehead outside the picture is a head cut off
        Measurement("source_head_top", top, top is not None, R.HEAD_CUT_OFF),
        at_most(
            "source_background_texture",
            background_texture(rgb, analysis.person_mask),
            spec.background.max_source_texture,
            R.BACKGROUND_NOT_PLAIN,
        ),
    ]
    return checks


def background_texture(rgb: np.ndarray, mask: np.ndarray) -> float:
    """Mean gradient strength of the background: a plain wall is near 0, furniture and tiles are not."""
    height, width = rgb.shape[:2]
    scale = SOURCE_TEXTURE_SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grey = cv2.cvtColor(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    small_mask = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
    region = cv2.erode((small_mask < 0.1).astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    if region.sum() < 0.02 * region.size:
        return 0.0  # the person fills the picture; framing measures catch that
    gradient = cv2.magnitude(
        cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    )
    return float(gradient[region].mean())


@dataclass(frozen=True)
class Framing:
    """One crop of the original: where it puts the face, and how far the original's edges cut into it."""

    matrix: np.ndarray  # 2x3 affine from the original into the spec frame
    face_width: float  # px, in the spec frame
    eye_line: float
    head_top: float
    body_cut: float  # px inside the frame where an edge of the original cuts the body (bottom, sides)
    hair_cut: float  # px inside the frame where the original's top edge cuts the hair


def framing(face: FaceLandmarks, top: float, mask: np.ndarray, spec: PhotoSpec) -> Framing:
    """The crop nearest the spec's targets among those the original fills, else the one it fills best.

    Candidates (face width, eye line) lie on a grid inside the spec's bands, with the head top they give
    inside its band too; the eye midpoint is on the frame's vertical centre line. The frame may reach
    past an edge of the original only where that edge is background: wherever the person touches an
    edge, that point of the edge must lie outside the frame (or at most `max_rows_from_outside` inside
    it), so no straight cut through a shirt or hair with painted background beyond it ever shows.
    """
    geometry = spec.geometry
    width, height = spec.image.width, spec.image.height
    eyes = face.eye_midpoint
    rise = max(float(eyes[1] - top), 1.0)
    margin, step = geometry.band_margin, geometry.grid_step
    widths = _grid(geometry.face_width, geometry.target_face_width, margin, step)
    eye_lines = _grid(geometry.eye_line, geometry.target_eye_line, margin, step)
    scales, rows = np.meshgrid(widths / face.face_width, eye_lines, indexing="ij")
    scales, rows = scales.ravel(), rows.ravel()
    tops = rows - scales * rise
    low_top, high_top = geometry.head_top
    keep = (tops >= low_top + margin) & (tops <= high_top - margin)
    if not keep.any():  # no face width puts the head top in its band: the candidates nearest it
        off = np.abs(tops - np.clip(tops, low_top + margin, high_top - margin))
        keep = off <= off.min() + 1e-9
    scales, rows, tops = scales[keep], rows[keep], tops[keep]
    turn = cv2.getRotationMatrix2D((0.0, 0.0), face.roll, 1.0)[:, :2]
    hair, body = _touching(mask, "top"), _touching(mask, "rest")
    if len(hair) <= spec.intake.max_hair_at_top_edge * face.face_width:
        hair = hair[:0]  # hair grazing the top edge: the head is whole, the frame above it background

    def cut(points: np.ndarray) -> np.ndarray:
        """Per candidate, the deepest any of these edge points lies inside the frame (0: none inside)."""
        if not len(points):
            return np.zeros(len(scales))
        offsets = (points - eyes) @ turn.T
        x = scales[:, None] * offsets[:, 0] + width / 2
        y = scales[:, None] * offsets[:, 1] + rows[:, None]
        depth = np.minimum(np.minimum(x, width - x), np.minimum(y, height - y))
        return np.asarray(np.clip(depth, 0, None).max(axis=1))

    body_cut, hair_cut = cut(body), cut(hair)
    limit = spec.intake.max_rows_from_outside
    excess = np.clip(body_cut - limit, 0, None) + np.clip(hair_cut - limit, 0, None)
    face_widths = scales * face.face_width
    distance = (
        geometry.face_width_weight * (face_widths - geometry.target_face_width) ** 2
        + (rows - geometry.target_eye_line) ** 2
        + (tops - geometry.target_head_top) ** 2
    )
    best = int(np.lexsort((distance, excess))[0])
    matrix: np.ndarray = cv2.getRotationMatrix2D(
        (float(eyes[0]), float(eyes[1])), face.roll, float(scales[best])
    )
    matrix[:, 2] += np.array([width / 2, rows[best]]) - eyes
    return Framing(
        matrix,
        float(face_widths[best]),
        float(rows[best]),
        float(tops[best]),
        float(body_cut[best]),
        float(hair_cut[best]),
    )


def _grid(band: tuple[float, float], target: float, margin: float, step: float) -> np.ndarray:
    """Values inside a band (kept `margin` from its ends), every `step` px, with the target among them."""
    low, high = band[0] + margin, band[1] - margin
    return np.unique(np.concatenate([np.arange(low, high + 1e-9, step), [high, min(max(target, low), high)]]))


def _touching(mask: np.ndarray, edges: str) -> np.ndarray:
    """Points (x, y) of the original's edges where the person touches them: its top edge ("top"), or
    the bottom and side edges ("rest")."""
    person = mask > measures.PERSON
    height, width = person.shape
    if edges == "top":
        columns = np.flatnonzero(person[0])
        return np.column_stack([columns, np.zeros(len(columns))]).astype(np.float64)
    bottom = np.flatnonzero(person[-1])
    left, right = np.flatnonzero(person[:, 0]), np.flatnonzero(person[:, -1])
    return np.concatenate(
        [
            np.column_stack([bottom, np.full(len(bottom), height - 1)]),
            np.column_stack([np.zeros(len(left)), left]),
            np.column_stack([np.full(len(right), width - 1), right]),
        ]
    ).astype(np.float64)


def framing_checks(frame: Framing, spec: PhotoSpec) -> list[Measurement]:
    """The chosen crop's cuts: the body cut off inside the frame, or hair cut off by the top edge."""
    limit = spec.intake.max_rows_from_outside
    return [
        at_most("body_cut_in_frame", frame.body_cut, limit, R.CROPPED_TOO_TIGHT),
        at_most("hair_cut_in_frame", frame.hair_cut, limit, R.HEAD_TOO_CLOSE_TO_TOP),
    ]


def bottom_band(person: np.ndarray) -> int:
    """Rows up from the spec image's bottom edge in which the person covers under 5% of the row: a band
    of background under the body (the registry's template wants the shoulders to reach the edge)."""
    covered = (person > measures.PERSON).mean(axis=1) >= BOTTOM_BAND_COVER
    filled = np.flatnonzero(covered[::-1])
    return int(filled[0]) if len(filled) else len(covered)


def standardise(
    rgb: np.ndarray, analysis: FaceAnalysis, spec: PhotoSpec, colour: tuple[int, int, int]
) -> tuple[Standardised | None, list[Measurement]]:
    """The spec image, or None with the failed checks that say why it could not be made."""
    face = analysis.landmarks
    top = None if face is None else measures.head_top(analysis.person_mask, face)
    checks = source_checks(analysis, rgb, top, spec)
    if face is None or top is None or any(not check.passed for check in checks):
        return None, checks
    frame = framing(face, top, analysis.person_mask, spec)
    checks += framing_checks(frame, spec)
    if any(not check.passed for check in checks):
        return None, checks
    matrix = frame.matrix
    size = (spec.image.width, spec.image.height)
    prescale, source, mask = _prescale(rgb, analysis.person_mask, matrix)
    matrix_small = matrix @ np.vstack([np.diag([1 / prescale, 1 / prescale, 1])[:2], [0, 0, 1]])
    warped = cv2.warpAffine(
        source, matrix_small, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    person, inside = _person_in_frame(mask, matrix_small, size)
    person = np.where(inside, person, 0.0).astype(np.float32)
    band = bottom_band(person)
    checks.append(at_most("bottom_band", band, spec.intake.max_rows_from_outside, R.CROPPED_TOO_TIGHT))
    if not checks[-1].passed:
        return None, checks
    spec_rgb, alpha = replace_background(warped, person, inside, colour, spec.matting)
    jpeg, quality = encode_in_band(spec_rgb, spec)
    return Standardised(spec_rgb, np.maximum(person, alpha), jpeg, quality, matrix), checks


def _person_in_frame(
    mask: np.ndarray, matrix: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The person mask in the frame, and where the frame is the person's or the original's (True).

    The frame reaches past the original only beyond background, or at most `max_rows_from_outside`
    beyond the body (below or beside it): there the edge's mask and pixels are repeated, so the shirt
    continues instead of ending on a painted band. Beyond the top edge, and beyond background anywhere,
    the frame is background: repeating hair there would draw streaks up to the top.
    """
    person = cv2.warpAffine(mask, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    columns, rows = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32))
    inverse = cv2.invertAffineTransform(matrix)
    source_x = inverse[0, 0] * columns + inverse[0, 1] * rows + inverse[0, 2]
    source_y = inverse[1, 0] * columns + inverse[1, 1] * rows + inverse[1, 2]
    height, width = mask.shape[:2]
    covered = (source_x >= 0) & (source_x <= width - 1) & (source_y >= 0) & (source_y <= height - 1)
    continued = ~covered & (source_y >= 0) & (person >= measures.PERSON)
    return person, covered | continued


def _prescale(rgb: np.ndarray, mask: np.ndarray, matrix: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Shrink a large original with area averaging first, so the warp does not alias fine detail."""
    scale = math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    if scale >= 0.5:
        return 1.0, rgb, mask
    factor = min(1.0, 2 * scale)
    size = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
    return (
        factor,
        cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
        cv2.resize(mask, size, interpolation=cv2.INTER_AREA),
    )


def encode_in_band(rgb: np.ndarray, spec: PhotoSpec) -> tuple[bytes, int]:
    """The best JPEG quality whose file fits under the band's top (never below the spec's minimum).

    A plain image (a small face on a flat backdrop) can stay under the band's bottom even at quality 95;
    it is then encoded again without chroma subsampling up to quality 100, the most detail a JPEG keeps,
    so that it reaches the band instead of failing the file size for a fault that is not the file's.
    """
    best, quality = _best_under_top(rgb, spec, 95, subsampling=2)
    if len(best) < spec.image.min_kb * 1024:
        fuller, fuller_quality = _best_under_top(rgb, spec, 100, subsampling=0)
        if len(fuller) > len(best):
            return fuller, fuller_quality
    return best, quality


def _best_under_top(rgb: np.ndarray, spec: PhotoSpec, highest: int, *, subsampling: int) -> tuple[bytes, int]:
    """The highest quality up to `highest` whose file fits under the band's top (binary search)."""
    low, high = spec.image.min_quality, highest
    best = _jpeg(rgb, low, subsampling)
    best_quality = low
    if len(best) > spec.image.max_kb * 1024:
        return best, low
    while low <= high:
        middle = (low + high) // 2
        data = _jpeg(rgb, middle, subsampling)
        if len(data) <= spec.image.max_kb * 1024:
            best, best_quality, low = data, middle, middle + 1
        else:
            high = middle - 1
    return best, best_quality


def _jpeg(rgb: np.ndarray, quality: int, subsampling: int = 2) -> bytes:
    """JPEG bytes; `subsampling` as Pillow names it (2: 4:2:0, 0: 4:4:4, colour at full resolution)."""
    buffer = io.BytesIO()
    # optimize=True: 5x slower, ~5% smaller
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, subsampling=subsampling)
    return buffer.getvalue()
