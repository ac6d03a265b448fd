"""Where the face's skin and the untouched neck are: the pair of regions several tamper traces compare.

Beauty tools edit the face inside its outline and leave the neck below the chin alone. Comparing the
cheeks with the neck of the same photo, under the same light and the same compression, cancels what
differs from photo to photo (camera, light, compression) and leaves what the edit changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from data_contracts.tamper_spec import NeckSpec
from photoflow.face.landmarks import CHIN, LEFT_CHEEK, RIGHT_CHEEK, FaceLandmarks


@dataclass(frozen=True)
class SkinRegions:
    cheeks: np.ndarray  # bool mask, the photo's height x width
    neck: tuple[int, int, int, int]  # top, bottom, left, right in pixels

    def neck_mask(self) -> np.ndarray:
        top, bottom, left, right = self.neck
        mask = np.zeros_like(self.cheeks)
        mask[top:bottom, left:right] = True
        return mask


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
        cv2.fillPoly(cheeks, [cv2.convexHull(np.round(face.points[list(ring), :2]).astype(np.int32))], 255)
    if not cheeks.any():
        return None
    return SkinRegions(cheeks > 0, (top, bottom, left, right))


def block_mask(mask: np.ndarray, block: int) -> np.ndarray:
    """The `block` x `block` tiles (JPEG's grid, from the top-left) that lie mostly inside `mask`."""
    rows, cols = mask.shape[0] // block, mask.shape[1] // block
    tiles = mask[: rows * block, : cols * block].reshape(rows, block, cols, block)
    return tiles.mean(axis=(1, 3)) > 0.5
