"""The registry template's head rules on the spec image: no headwear, ears visible, shoulders level.

The template (学信网 photo template) marks the ears in green and asks for the forehead and the ears to
show (长发需置于耳后，露出额头和耳朵), no hat or head covering, and the shoulders level. Each rule is a
pure function of the spec image, its face mesh and its person mask, in units of the face (face width,
eye-to-brow distance), so it holds at the spec's scale and at any other. Skin is told from hair, hats
and background by its colour against the face's own cheeks, so it holds for every skin tone.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality.measurement import Measurement, at_least, at_most, within
from schemas.reasons import PhotoReason as R

PERSON = 0.5  # person-mask level that counts as the person
BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)  # upper edges of both eyebrows
NOSE_BOTTOM = 2
SKIN_CHROMA = 9.0  # a*b* distance (CIELAB) from the cheeks' colour within which a pixel is skin
SKIN_SHADE = 0.55  # a skin pixel has at least this share of the cheeks' lightness (ears lie in shade)
SHINE_HUE = 15.0  # degrees of a*b* hue within which a lighter, paler pixel is skin in shine
SHINE_CHROMA = 0.35  # the least share of the cheeks' chroma a shine pixel keeps
SHOULDER_COLUMNS = 8  # columns sampled on each side between the spec's shoulder offsets


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _polygon(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    region = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(region, [np.round(points).astype(np.int32)], (1,))
    return region.astype(bool)


def skin_map(lab: np.ndarray, face: FaceLandmarks) -> np.ndarray:
    """Pixels of the face's own skin colour: a*b* near the cheeks' median, not much darker, not much
    lighter (a pale hat is lighter than any skin in shade)."""
    cheeks = _polygon(lab.shape, face.points[list(lm.RIGHT_CHEEK), :2]) | _polygon(
        lab.shape, face.points[list(lm.LEFT_CHEEK), :2]
    )
    reference = np.median(lab[cheeks], axis=0) if cheeks.any() else np.array([60.0, 15.0, 15.0])
    chroma = np.hypot(lab[..., 1] - reference[1], lab[..., 2] - reference[2])
    lightness = lab[..., 0]
    skin = (
        (chroma < SKIN_CHROMA)
        & (lightness > SKIN_SHADE * reference[0])
        & (lightness < 1.3 * reference[0] + 8)
    )
    # shine on a bald head or an oily forehead: lighter and paler than the cheeks, but of their hue
    turn = np.degrees(np.arctan2(lab[..., 2], lab[..., 1]) - np.arctan2(reference[2], reference[1]))
    kept = np.hypot(lab[..., 1], lab[..., 2]) > SHINE_CHROMA * np.hypot(reference[1], reference[2])
    return skin | ((lightness >= reference[0]) & (np.abs((turn + 180) % 360 - 180) < SHINE_HUE) & kept)


def _brow_row(face: FaceLandmarks) -> float:
    return float(face.points[list(BROWS), 1].mean())


def headwear(rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> Measurement:
    """A hat, cap or scarf over the head: the forehead above the brows is covered, and by something
    that is not the hair beside the face.

    The value is the skin share of the upper forehead (between the brows and the mesh's forehead top,
    the face's middle half). A covered forehead alone is also what a fringe does, so it counts as
    headwear only when the covering's colour differs from the hair at the temples (CIE76 distance of
    the medians), or when no hair shows there to compare with (short hair under a cap), or when the
    covering ends in a hard horizontal edge across the forehead (a cuff or a brim, of any colour).
    """
    limits = spec.head
    lab = _lab(rgb)
    skin = skin_map(lab, face)
    width, centre = face.face_width, float(face.eye_midpoint[0])
    brow, forehead_top, eye_row = (
        _brow_row(face),
        float(face.xy(lm.FOREHEAD_TOP)[1]),
        float(face.eye_midpoint[1]),
    )
    rows = slice(max(0, int(forehead_top)), max(1, int(brow - 0.15 * (brow - forehead_top))))
    columns = slice(max(0, int(centre - 0.25 * width)), int(centre + 0.25 * width))
    band = skin[rows, columns]
    share = float(band.mean()) if band.size else 1.0
    if share >= limits.min_forehead_skin:
        return at_least("headwear", share, limits.min_forehead_skin, R.HEADWEAR)
    covering = lab[rows, columns][~band]
    temples = np.zeros(skin.shape, bool)
    temple_rows = slice(max(0, int(brow - 0.5 * (eye_row - brow))), int(eye_row))
    for edge, outward in ((lm.RIGHT_CHEEK_EDGE, -1), (lm.LEFT_CHEEK_EDGE, 1)):
        x = float(face.xy(edge)[0])
        left, right = sorted((int(x), int(x + outward * 0.15 * width)))
        temples[temple_rows, max(0, left) : right] = True
    hair = lab[temples & (mask > PERSON) & ~skin]
    unlike_hair = (
        len(hair) < limits.min_temple_hair_px
        or float(np.linalg.norm(np.median(covering, axis=0) - np.median(hair, axis=0)))
        > limits.min_covering_to_hair
    )
    return Measurement(
        "headwear",
        share,
        not (unlike_hair or _hard_edge(lab, mask, face) > limits.max_forehead_edge),
        R.HEADWEAR,
        limits.min_forehead_skin,
        None,
    )


def _hard_edge(lab: np.ndarray, mask: np.ndarray, face: FaceLandmarks) -> float:
    """The strongest straight horizontal edge between the head top and the brows: the mean vertical
    lightness gradient of one row across the forehead's width. A hairline curves, so its row means
    stay low; a hat's cuff or a cap's brim runs straight across."""
    width, centre, brow = face.face_width, float(face.eye_midpoint[0]), _brow_row(face)
    forehead_top = float(face.xy(lm.FOREHEAD_TOP)[1])
    columns = mask[:, max(0, int(centre - 0.25 * width)) : int(centre + 0.25 * width)] > PERSON
    top = int(np.percentile(columns.argmax(axis=0), 10)) if columns.any() else 0
    lightness = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.5)
    gradient = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    region = gradient[
        top : max(top + 1, int(brow - 0.1 * (brow - forehead_top))),
        max(0, int(centre - 0.3 * width)) : int(centre + 0.3 * width),
    ]
    return float(np.abs(region.mean(axis=1)).max()) if region.size else 0.0


def ear_widths(rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks) -> tuple[float, float]:
    """Mean width of skin beside each cheek edge (the subject's right, then left), in face widths, over
    the rows from the brows to the bottom of the nose: where the template's green ear zone lies. An ear
    in shade shows most of its skin above the eye line (London 127), so the rows start at the brows."""
    skin = skin_map(_lab(rgb), face) & (mask > PERSON)
    width = face.face_width
    rows = slice(max(0, int(_brow_row(face))), max(1, int(face.xy(NOSE_BOTTOM)[1])))
    widths = []
    for edge, outward in ((lm.RIGHT_CHEEK_EDGE, -1), (lm.LEFT_CHEEK_EDGE, 1)):
        x = int(face.xy(edge)[0])
        columns = np.arange(x, int(x + outward * 0.2 * width), outward)
        columns = columns[(columns >= 0) & (columns < skin.shape[1])]
        zone = skin[rows][:, columns]
        widths.append(float(zone.mean(axis=0).sum() / width) if zone.size else 0.0)
    return widths[0], widths[1]


def ears(rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """Ears visible (hair behind them) and showing alike on both sides (the head not turned).

    `ears_visible` is the wider ear's width: an ear flat against the head or behind a strand shows
    little, so only both ears hidden is a clear case. `ears_symmetry` is how much wider one shows than
    the other, in face widths."""
    limits = spec.head
    right, left = ear_widths(rgb, mask, face)
    return [
        at_least("ears_visible", max(right, left), limits.min_ear_width, R.EARS_HIDDEN),
        at_most("ears_symmetry", abs(right - left), limits.max_ear_difference, R.EARS_ASYMMETRIC),
    ]


def shoulders_level(
    rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, colour: tuple[int, int, int], spec: PhotoSpec
) -> list[Measurement]:
    """Degrees the shoulder line leans (positive: the subject's left shoulder, on the image's right, is
    lower), from the top of the person below the chin at columns either side of the face's centre.

    Standardisation levels the eyes, so a head tilted against the body shows here. A pixel of the
    background's colour is not the shoulder, even where the mask takes a flat strip below a cut-off body
    for the person. Nothing is measured where the frame does not show both shoulders."""
    limits = spec.head
    height = mask.shape[0]
    chin = int(min(max(face.xy(lm.CHIN)[1], 0), height - 1))
    distance = np.linalg.norm(_lab(rgb) - _lab(np.array([[colour]], np.uint8))[0, 0], axis=2)
    person = (mask > PERSON) & (distance > limits.min_shoulder_to_background)
    width, centre = face.face_width, float(face.eye_midpoint[0])
    near, far = limits.shoulder_offsets
    tops: list[float] = []
    for side in (-1, 1):
        rows = []
        for offset in np.linspace(near, far, SHOULDER_COLUMNS):
            x = round(centre + side * offset * width)
            if not 0 <= x < person.shape[1]:
                continue
            column = person[chin:, x]
            first = int(column.argmax())
            if column.any() and first > 0 and chin + first < height - 3:
                rows.append(chin + first)
        if len(rows) < SHOULDER_COLUMNS // 3:
            return []  # a shoulder outside the frame: nothing to measure
        tops.append(float(np.median(rows)))
    angle = math.degrees(math.atan2(tops[1] - tops[0], (near + far) * width))
    return [
        within(
            "shoulders_level",
            angle,
            -limits.max_shoulder_angle,
            limits.max_shoulder_angle,
            R.SHOULDERS_NOT_LEVEL,
        )
    ]
