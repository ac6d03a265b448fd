"""Skin smoothing ("磨皮"): a face whose skin has lost its fine texture while the neck kept it.

Beauty tools smooth the face inside its outline; the neck below the chin is left alone. So the cheeks'
high-frequency detail is measured against the neck's, in the same photo: a ratio far below what
unedited portraits show is a smoothed face. Naturally smooth skin lowers both.
"""

from __future__ import annotations

import cv2
import numpy as np

from data_contracts.tamper_spec import SkinTextureSpec
from photoflow.tamper.findings import TamperFinding, ratio_score
from photoflow.tamper.skin_regions import SkinRegions
from schemas.reasons import TamperReason


def texture_ratio(rgb: np.ndarray, regions: SkinRegions, spec: SkinTextureSpec) -> float:
    """Cheek detail / neck detail."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    detail = np.abs(grey - cv2.GaussianBlur(grey, (0, 0), spec.blur_sigma))
    top, bottom, left, right = regions.neck
    neck = float(np.median(detail[top:bottom, left:right]))
    return float(np.median(detail[regions.cheeks])) / max(neck, 1e-3)


def skin_smoothing(
    rgb: np.ndarray, regions: SkinRegions, spec: SkinTextureSpec, flag_score: float
) -> TamperFinding | None:
    """A finding when the face looks smoothed against its own neck; None when it does not."""
    ratio = texture_ratio(rgb, regions, spec)
    if ratio >= spec.clear_ratio:
        return None
    detail = (
        f"the cheeks keep {ratio:.2f} of the neck's fine detail (unedited portraits: {spec.clear_ratio:.2f} "
        f"and more; flagged at {spec.flag_ratio:.2f} and below)"
    )
    return TamperFinding(TamperReason.SKIN_SMOOTHED, round(ratio_score(ratio, spec, flag_score), 1), detail)
