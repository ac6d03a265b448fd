"""How much of the person a spec image recoloured: the proof that background replacement left them alone.

Replacing the wall must change the wall and nothing else. A person mask that misses a ponytail, or a
blurred blend along the outline, paints hair and collars in the new background colour; comparing the
spec image with the original warped the same way shows it without any mask, so the measure does not
trust the segmentation it is meant to audit.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from data_contracts.photo_spec import RecolourSpec, load_photo_spec


def recoloured_share(
    source_rgb: np.ndarray, matrix: np.ndarray, spec_rgb: np.ndarray, spec: RecolourSpec | None = None
) -> float:
    """Share of the person's pixels whose colour the spec image changed (0 = none, 1 = all).

    Person pixels are the pixels of the original, warped by `matrix` (source to spec image, as
    standardisation placed it), whose CIE Lab colour is at least `person_distance` from the wall's
    colour: hair, skin and clothes, but not the wall, its faint shading, or the thin mixed rim where
    a hair edge already shows the wall. A person pixel is recoloured when the spec image differs from
    the warped original by more than `changed_distance` (CIE76 delta E). The wall's colour is the
    median of the original's top corners and the upper parts of its side edges, where an ID portrait
    shows only wall. Pixels the original does not cover are not counted.
    """
    limits = spec or load_photo_spec().recolour
    height, width = spec_rgb.shape[:2]
    warped, inside = _warp(source_rgb, matrix, (width, height))
    original = _lab(warped)
    wall = np.median(_lab(_wall_sample(source_rgb)).reshape(-1, 3), axis=0)
    person = inside & (np.linalg.norm(original - wall, axis=2) >= limits.person_distance)
    # the outline's own pixels mix person and wall: any correct replacement changes them
    person = cv2.erode(person.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if not person.any():
        return 0.0
    changed = np.linalg.norm(_lab(spec_rgb) - original, axis=2) > limits.changed_distance
    return float((changed & person).sum() / person.sum())


def _warp(rgb: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The original in the spec frame, area-averaged first when it shrinks a lot (as standardise does),
    and the pixels it covers, less a 2 px rim where the warp interpolates with nothing."""
    scale = math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    if scale < 0.5:
        factor = 2 * scale
        small = (max(1, round(rgb.shape[1] * factor)), max(1, round(rgb.shape[0] * factor)))
        rgb = cv2.resize(rgb, small, interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.array([[1 / factor, 0, 0], [0, 1 / factor, 0], [0, 0, 1]])
    warped = cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    covered = cv2.warpAffine(np.ones(rgb.shape[:2], np.uint8), matrix, size, flags=cv2.INTER_NEAREST)
    inside = cv2.erode(covered, np.ones((5, 5), np.uint8), borderType=cv2.BORDER_REPLICATE) > 0
    return warped, inside


def _wall_sample(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the original that show only wall in an ID portrait: top corners, upper side edges."""
    height, width = rgb.shape[:2]
    side, top = max(1, width // 10), max(1, height // 2)
    return np.concatenate(
        [rgb[:top, :side].reshape(-1, 3), rgb[:top, width - side :].reshape(-1, 3)]
    ).reshape(-1, 1, 3)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
