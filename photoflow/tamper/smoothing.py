"""Skin smoothing ("磨皮"): a face whose skin has lost its fine texture while the neck kept it.

Beauty tools smooth the face inside its outline; the neck below the chin is left alone. So the cheeks'
high-frequency detail is measured against the neck's, in the same photo, under the same light and the
same compression: a ratio far below what unedited portraits show is a smoothed face. Naturally smooth
skin lowers both, and a photo cut off under the chin has no neck to compare with: then no finding.
"""

from __future__ import annotations

import cv2
import numpy as np

from data_contracts.tamper_spec import SkinTextureSpec
from photoflow.face.analyzer import get_analyzer
from photoflow.face.landmarks import CHIN, LEFT_CHEEK, RIGHT_CHEEK, FaceLandmarks
from photoflow.tamper.findings import TamperFinding
from schemas.tamper_reasons import TamperReason


def texture_ratio(rgb: np.ndarray, face: FaceLandmarks, spec: SkinTextureSpec) -> float | None:
    """Cheek detail / neck detail, or None when the neck patch is not in the photo."""
    height, width = rgb.shape[:2]
    chin, eyes = face.xy(CHIN), face.eye_distance
    top, bottom = int(chin[1] + spec.neck_top * eyes), int(chin[1] + spec.neck_bottom * eyes)
    left, right = int(chin[0] - spec.neck_half_width * eyes), int(chin[0] + spec.neck_half_width * eyes)
    if bottom > height or left < 0 or right > width or (bottom - top) * (right - left) < spec.min_neck_pixels:
        return None
    cheeks = np.zeros((height, width), np.uint8)
    for ring in (RIGHT_CHEEK, LEFT_CHEEK):
        cv2.fillPoly(cheeks, [cv2.convexHull(np.round(face.points[list(ring), :2]).astype(np.int32))], 255)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), spec.blur_sigma))
    if not cheeks.any():
        return None
    neck = float(np.median(detail[top:bottom, left:right]))
    return float(np.median(detail[cheeks > 0])) / max(neck, 1e-3)


def ratio_score(ratio: float, spec: SkinTextureSpec, flag_score: float) -> float:
    """0 from `clear_ratio` up, the flag line at `flag_ratio`, `spec.score` at `strong_ratio` and below."""
    if ratio >= spec.clear_ratio:
        return 0.0
    if ratio >= spec.flag_ratio:
        return flag_score * (spec.clear_ratio - ratio) / (spec.clear_ratio - spec.flag_ratio)
    if ratio <= spec.strong_ratio:
        return spec.score
    share = (spec.flag_ratio - ratio) / (spec.flag_ratio - spec.strong_ratio)
    return flag_score + (spec.score - flag_score) * share


def skin_smoothing(rgb: np.ndarray, spec: SkinTextureSpec, flag_score: float) -> TamperFinding | None:
    """A finding when the face looks smoothed against its own neck; None when it does not or cannot."""
    face = get_analyzer().analyse(rgb, whole_picture=False).landmarks
    ratio = None if face is None else texture_ratio(rgb, face, spec)
    if ratio is None or ratio >= spec.clear_ratio:
        return None
    detail = (
        f"the cheeks keep {ratio:.2f} of the neck's fine detail (unedited portraits: {spec.clear_ratio:.2f} "
        f"and more; flagged at {spec.flag_ratio:.2f} and below)"
    )
    return TamperFinding(TamperReason.SKIN_SMOOTHED, round(ratio_score(ratio, spec, flag_score), 1), detail)
