"""A straight seam across the face: the hard edge of a rectangle pasted over it, unblended.

A face has no long, perfectly horizontal step in its brightness: eyebrows, eyelids, lips and the chin
curve, and they fade into their neighbourhood within a few pixels either way. A rectangle of another
person's skin or face laid over it without blending ends in a straight line where the brightness
jumps between one row and the next all along its width. So the step between neighbouring rows,
averaged along a run about an eye distance long, is compared with the same average a few rows above
and below: a seam stands out several times over its neighbourhood; a feature's own edge does not.
Poisson cloning and feathered pastes leave no such line (their traces are in the compression,
`face_lattice`), and a uniform re-save smooths none into being.
"""

from __future__ import annotations

import cv2
import numpy as np

from data_contracts.tamper_spec import SeamSpec
from photoflow.face.landmarks import FaceLandmarks
from photoflow.tamper.findings import TamperFinding
from schemas.reasons import TamperReason


def seam_contrast(grey: np.ndarray, face: FaceLandmarks, spec: SeamSpec) -> tuple[float, tuple[int, int]]:
    """The strongest horizontal seam in the box around the face: how many times the row-to-row step
    along it exceeds the step `spec.offsets` rows away, and where it is (x, y in pixels)."""
    eyes = face.eye_distance
    centre_x, centre_y = face.eye_midpoint
    top, bottom = (
        max(0, round(centre_y - spec.above * eyes)),
        min(grey.shape[0], round(centre_y + spec.below * eyes)),
    )
    left = max(0, round(centre_x - spec.half_width * eyes))
    right = min(grey.shape[1], round(centre_x + spec.half_width * eyes))
    box = grey[top:bottom, left:right].astype(np.float32)
    margin = max(spec.offsets)
    if box.shape[0] <= 2 * margin + 1 or box.shape[1] < 2:
        return 0.0, (left, top)
    step = np.abs(np.diff(box, axis=0))  # between row y and y + 1
    run = max(3, round(spec.run * eyes))
    along = cv2.boxFilter(step, -1, (run, 1), normalize=True, borderType=cv2.BORDER_CONSTANT)
    shifted = [np.roll(along, offset * sign, axis=0) for offset in spec.offsets for sign in (-1, 1)]
    contrast = (along + spec.floor) / (np.mean(shifted, axis=0) + spec.floor)
    contrast[:margin], contrast[-margin:] = 0.0, 0.0
    y, x = (int(i) for i in np.unravel_index(int(np.argmax(contrast)), contrast.shape))
    return float(contrast[y, x]), (left + x, top + y)


def seam_finding(
    grey: np.ndarray, face: FaceLandmarks, spec: SeamSpec, flag_score: float
) -> TamperFinding | None:
    """A finding when a straight seam crosses the face; None when the face has none."""
    contrast, (x, y) = seam_contrast(grey, face, spec)
    if contrast <= spec.clear_contrast:
        return None
    if contrast >= spec.strong_contrast:
        score = spec.score
    elif contrast >= spec.flag_contrast:
        share = (contrast - spec.flag_contrast) / (spec.strong_contrast - spec.flag_contrast)
        score = flag_score + (spec.score - flag_score) * share
    else:
        score = flag_score * (contrast - spec.clear_contrast) / (spec.flag_contrast - spec.clear_contrast)
    detail = (
        f"a straight horizontal edge at ({x}, {y}) px steps {contrast:.1f} times as much as the rows "
        "beside it "
        f"(unedited faces: {spec.clear_contrast:.1f} and less; flagged at {spec.flag_contrast:.1f} and more)"
    )
    return TamperFinding(TamperReason.PASTED_SEAM, round(score, 1), detail)
