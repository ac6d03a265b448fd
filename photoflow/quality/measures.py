"""Stage 1 measures: each takes the image (and the face mesh or person mask) and returns a `Measurement`.

Definitions follow OFIQ (ISO/IEC 29794-5) where it has one: head pose from the landmarks, illumination
uniformity as the balance between the two halves of the face, under/over-exposure from the face's
luminance, sharpness from the Laplacian, expression from the mouth. Positions are the registry's own
(head top, eye line, face width in the 480 x 640 image). Every threshold comes from the photo spec.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality.measurement import Measurement, at_least, at_most, failed, within
from schemas.reasons import PhotoReason as R

PERSON = 0.5  # person-mask level that counts as the person


def head_top(mask: np.ndarray, face: FaceLandmarks) -> float | None:
    """Row of the top of the head (hair included) above the face, from the person mask."""
    centre = face.eye_midpoint[0]
    half = 0.25 * face.face_width
    left, right = max(0, int(centre - half)), min(mask.shape[1], int(centre + half) + 1)
    bottom = int(max(0, min(mask.shape[0], face.xy(lm.FOREHEAD_TOP)[1])))
    if right <= left or bottom <= 0:
        return None
    columns = mask[:bottom, left:right] > PERSON
    rows = np.where(columns.any(axis=0), columns.argmax(axis=0), bottom)
    return float(np.percentile(rows, 10))


def face_count(count: int) -> Measurement:
    if count == 0:
        return failed("face_count", R.NO_FACE, 0)
    return Measurement("face_count", count, count == 1, R.MULTIPLE_FACES, 1, 1)


def head_turn(face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """Yaw and pitch: turned sideways or tilted up or down (standardisation cannot undo either)."""
    limits = spec.pose
    return [
        within("yaw", face.yaw, -limits.max_yaw, limits.max_yaw, R.HEAD_YAW),
        within("pitch", face.pitch, -limits.max_pitch, limits.max_pitch, R.HEAD_PITCH),
    ]


def eye_openings(face: FaceLandmarks) -> tuple[float, float]:
    """Eyelid gap over eye width, for the subject's right and left eye."""

    def opening(top: int, bottom: int, outer: int, inner: int) -> float:
        gap = np.linalg.norm(face.xy(top) - face.xy(bottom))
        return float(gap / max(float(np.linalg.norm(face.xy(outer) - face.xy(inner))), 1e-6))

    return (
        opening(lm.RIGHT_EYE_TOP, lm.RIGHT_EYE_BOTTOM, lm.RIGHT_EYE_OUTER, lm.RIGHT_EYE_INNER),
        opening(lm.LEFT_EYE_TOP, lm.LEFT_EYE_BOTTOM, lm.LEFT_EYE_OUTER, lm.LEFT_EYE_INNER),
    )


def eyes_open(face: FaceLandmarks, spec: PhotoSpec) -> Measurement:
    return at_least("eye_opening", min(eye_openings(face)), spec.face.min_eye_opening, R.EYES_CLOSED)


def mouth_features(face: FaceLandmarks) -> dict[str, float]:
    """Mouth and eye shape in the eye-levelled mesh, in units of the distance between the irises.

    A closed-mouth smile shows in the mesh as a mouth that widens, corners that rise towards the eye line
    (`corner_height`: their height below the eyes over the chin's, scale-free and independent of how
    long the face is) and corners drawn back behind the lip seam (`corner_depth`, from the mesh's z).
    """
    points = face.levelled()
    depth = face.points[:, 2] / face.eye_distance
    mouth_width = abs(points[lm.MOUTH_LEFT, 0] - points[lm.MOUTH_RIGHT, 0])
    lip_middle = (points[lm.UPPER_LIP_OUTER, 1] + points[lm.LOWER_LIP_OUTER, 1]) / 2
    corners = (points[lm.MOUTH_LEFT, 1] + points[lm.MOUTH_RIGHT, 1]) / 2
    eye_width = (
        abs(points[lm.RIGHT_EYE_OUTER, 0] - points[lm.RIGHT_EYE_INNER, 0])
        + abs(points[lm.LEFT_EYE_OUTER, 0] - points[lm.LEFT_EYE_INNER, 0])
    ) / 2
    eye_gap = (
        abs(points[lm.RIGHT_EYE_TOP, 1] - points[lm.RIGHT_EYE_BOTTOM, 1])
        + abs(points[lm.LEFT_EYE_TOP, 1] - points[lm.LEFT_EYE_BOTTOM, 1])
    ) / 2
    seam_depth = (depth[lm.UPPER_LIP_INNER] + depth[lm.LOWER_LIP_INNER]) / 2
    lip_gap = points[lm.LOWER_LIP_INNER, 1] - points[lm.UPPER_LIP_INNER, 1]
    return {
        "mouth_width": float(mouth_width),
        "corner_lift": float((lip_middle - corners) / max(mouth_width, 1e-6)),
        "lip_gap": float(lip_gap / max(mouth_width, 1e-6)),
        "eye_opening": float(eye_gap / max(eye_width, 1e-6)),
        "upper_lip": float(
            (points[lm.UPPER_LIP_INNER, 1] - points[lm.UPPER_LIP_OUTER, 1]) / max(mouth_width, 1e-6)
        ),
        "corner_height": float(corners / max(points[lm.CHIN, 1], 1e-6)),
        "corner_depth": float((depth[lm.MOUTH_RIGHT] + depth[lm.MOUTH_LEFT]) / 2 - seam_depth),
    }


def smile_score(features: dict[str, float], spec: PhotoSpec) -> float:
    """Probability-like score of a smile from the mouth shape (logistic model; weights in the spec)."""
    weights = spec.face.smile_weights
    z = spec.face.smile_bias + sum(weights[name] * features[name] for name in weights)
    return 1.0 / (1.0 + math.exp(-z))


def _polygon_mask(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], (1,))
    return mask.astype(bool)


def _cheek_brightness(luminance: np.ndarray, face: FaceLandmarks, ring: tuple[int, ...]) -> float:
    region = _polygon_mask(luminance.shape, face.points[list(ring), :2])
    return float(luminance[region].mean()) if region.any() else float("nan")


def mouth(rgb: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """Lips closed, no teeth, no smile."""
    features = mouth_features(face)
    inner = _polygon_mask(rgb.shape, face.points[list(lm.INNER_LIPS), :2])
    teeth = 0.0
    if inner.any():
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        luminance = hsv[..., 2].astype(np.float32)
        skin = np.nanmean(
            [
                _cheek_brightness(luminance, face, lm.RIGHT_CHEEK),
                _cheek_brightness(luminance, face, lm.LEFT_CHEEK),
            ]
        )
        whitish = (hsv[..., 1] < 70) & (luminance > 0.75 * skin) & inner
        teeth = float(whitish.sum()) / (face.eye_distance**2)
    return [
        at_most("lip_gap", features["lip_gap"], spec.face.max_lip_gap, R.MOUTH_OPEN),
        at_most("teeth", teeth, spec.face.max_teeth_share, R.TEETH_SHOWING),
        at_most("smile", smile_score(features, spec), spec.face.max_smile_score, R.SMILING),
    ]


def _eye_regions(shape: tuple[int, ...], face: FaceLandmarks) -> np.ndarray:
    """Both eyes with a margin: where a lens sits, so glare and tint show up there."""
    region = np.zeros(shape[:2], bool)
    for ring in (lm.RIGHT_EYE_RING, lm.LEFT_EYE_RING):
        points = face.points[list(ring), :2]
        centre = points.mean(axis=0)
        region |= _polygon_mask(shape, centre + (points - centre) * 1.6)
    return region


def eyes_visible(rgb: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """No glare on glasses and no tinted lenses over the eyes."""
    region = _eye_regions(rgb.shape, face)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    if not region.any():
        return []
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    glare = float(((hsv[..., 2] >= 245) & (hsv[..., 1] < 40) & region).sum() / region.sum())
    skin = np.nanmean(
        [_cheek_brightness(grey, face, lm.RIGHT_CHEEK), _cheek_brightness(grey, face, lm.LEFT_CHEEK)]
    )
    tint = float(grey[region].mean() / max(skin, 1.0))
    return [
        at_most("glare", glare, spec.face.max_glare_share, R.GLARE),
        at_least("eye_brightness", tint, spec.face.min_eye_to_skin_brightness, R.TINTED_LENSES),
    ]


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def background(
    rgb: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int], spec: PhotoSpec
) -> list[Measurement]:
    """Uniform background of the standard colour, measured well away from the person's outline.

    Every other pixel in each direction is enough for a mean and a spread, and a quarter of the work.
    """
    rgb, mask = rgb[::2, ::2], mask[::2, ::2]
    region = cv2.erode((mask < 0.1).astype(np.uint8), np.ones((8, 8), np.uint8)) > 0
    if region.sum() < 0.02 * region.size:
        return [failed("background_uniformity", R.BACKGROUND_NOT_PLAIN)]
    lab = _lab(rgb)[region]
    reference = _lab(np.array([[colour]], np.uint8))[0, 0]
    distance = float(np.linalg.norm(lab.mean(axis=0) - reference))
    spread = float(lab[:, 0].std())
    return [
        at_most("background_uniformity", spread, spec.background.max_std, R.BACKGROUND_NOT_PLAIN),
        at_most("background_colour", distance, spec.background.max_colour_distance, R.BACKGROUND_COLOUR),
    ]


def face_region(shape: tuple[int, ...], face: FaceLandmarks) -> np.ndarray:
    return _polygon_mask(shape, face.points[list(lm.FACE_OVAL), :2])


def _face_crop(rgb: np.ndarray, face: FaceLandmarks) -> tuple[np.ndarray, FaceLandmarks]:
    """The face's bounding box and the mesh moved into it: colour conversions need only that much."""
    oval = face.points[list(lm.FACE_OVAL), :2]
    left, top = np.maximum(np.floor(oval.min(axis=0)).astype(int), 0)
    right, bottom = np.ceil(oval.max(axis=0)).astype(int) + 1
    shifted = face.points.copy()
    shifted[:, :2] -= (left, top)
    return rgb[top:bottom, left:right], FaceLandmarks(shifted)


def light(rgb: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """Exposure of the face and the balance of light between its two halves (shadows from side light)."""
    rgb, face = _face_crop(rgb, face)
    region = face_region(rgb.shape, face)
    if not region.any():
        return []
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[region]
    luminance = _lab(rgb)[..., 0] * 2.55  # L* on a 0-255 scale
    right = _cheek_brightness(luminance, face, lm.RIGHT_CHEEK)
    left = _cheek_brightness(luminance, face, lm.LEFT_CHEEK)
    balance = max(right, left) / max(min(right, left), 1.0)
    limits = spec.light
    dark = float((grey < limits.dark_level).mean())
    return [
        at_most("dark_share", dark, limits.max_dark_share, R.UNDEREXPOSED),
        at_most("clipped_share", float((grey >= 250).mean()), limits.max_clipped_share, R.OVEREXPOSED),
        at_most("light_balance", balance, limits.max_side_ratio, R.UNEVEN_LIGHTING),
    ]


def sharpness(rgb: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> Measurement:
    """Variance of the Laplacian inside the face oval (OFIQ's sharpness uses the same kind of filter)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    region = cv2.erode(face_region(rgb.shape, face).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    laplacian = cv2.Laplacian(grey, cv2.CV_32F)
    value = float(laplacian[region].var()) if region.any() else 0.0
    return at_least("sharpness", value, spec.light.min_sharpness, R.BLURRED)
