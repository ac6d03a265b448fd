"""Where the face's skin and the untouched neck are: the regions the tamper traces read.

Beauty tools edit the face inside its outline and leave the neck below the chin alone. Comparing the
cheeks with the neck of the same photo, under the same light and the same compression, cancels what
differs from photo to photo (camera, light, compression) and leaves what the edit changed. The face's
whole skin (its outline less the eyes and the mouth) is where a whitening or recolouring slider works.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from data_contracts.tamper_spec import NeckSpec
from photoflow.face.landmarks import (
    CHIN,
    FACE_OVAL,
    INNER_LIPS,
    LEFT_CHEEK,
    LEFT_EYE_RING,
    RIGHT_CHEEK,
    RIGHT_EYE_RING,
    FaceLandmarks,
)

# Brush diameters in eye distances: eyes and mouth are cut out grown by half of FEATURE_BRUSH, and the rest
# of the photo starts half of AROUND_FACE_BRUSH outside the face's skin.
FEATURE_BRUSH = 0.08
AROUND_FACE_BRUSH = 0.5


@dataclass(frozen=True)
class SkinRegions:
    cheeks: np.ndarray  # bool mask, the photo's height x width
    neck: tuple[int, int, int, int]  # top, bottom, left, right in pixels


def skin_regions(shape: tuple[int, ...], face: FaceLandmarks, spec: NeckSpec) -> SkinRegions | None:
    """The cheeks and the neck patch of a photo of `shape`, or None when the neck is not in the photo
    (cut off under the chin) or the face mesh gives no cheeks."""
    height, width = shape[:2]
    chin, eyes = face.xy(CHIN), face.eye_distance
    top, bottom = int(chin[1] + spec.top * eyes), int(chin[1] + spec.bottom * eyes)
    left, right = int(chin[0] - spec.half_width * eyes), int(chin[0] + spec.half_width * eyes)
    if bottom > height or left < 0 or right > width or (bottom - top) * (right - left) < spec.min_pixels:
        return None
    cheeks = np.zeros((height, width), np.uint8)
    for ring in (RIGHT_CHEEK, LEFT_CHEEK):
        cv2.fillPoly(cheeks, [_hull(face, ring)], (255,))
    if not cheeks.any():
        return None
    return SkinRegions(cheeks > 0, (top, bottom, left, right))


def _hull(face: FaceLandmarks, ring: tuple[int, ...]) -> np.ndarray:
    return cv2.convexHull(np.round(face.points[list(ring), :2]).astype(np.int32))


def face_skin(shape: tuple[int, ...], face: FaceLandmarks) -> np.ndarray:
    """Bool mask of the face's skin: inside the face outline, without the eyes and the mouth."""
    height, width = shape[:2]
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(face.points[list(FACE_OVAL), :2]).astype(np.int32)], (255,))
    features: np.ndarray = np.zeros_like(mask)
    for ring in (RIGHT_EYE_RING, LEFT_EYE_RING, INNER_LIPS):
        cv2.fillPoly(features, [_hull(face, ring)], (255,))
    grow = max(3, round(face.eye_distance * FEATURE_BRUSH)) | 1
    features = cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return (mask > 0) & (features == 0)


def beyond_face(face_mask: np.ndarray, face: FaceLandmarks) -> np.ndarray:
    """Bool mask of the rest of the photo: everything a quarter of an eye distance and more outside the
    face's skin (hair, ears, neck, clothes, background), which a face edit leaves alone."""
    grow = max(3, round(face.eye_distance * AROUND_FACE_BRUSH)) | 1
    near = cv2.dilate(face_mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
    return near == 0
