"""Skin smoothing ("磨皮"): a face whose skin has lost its fine texture while the neck kept it.

Beauty tools smooth the face inside its outline; the neck below the chin is left alone. So the cheeks'
high-frequency detail is measured against the neck's, in the same photo: a ratio far below what
unedited portraits show is a smoothed face. Naturally smooth skin lowers both.
"""

from __future__ import annotations

import cv2
import numpy as np

from data_contracts.tamper_spec import SkinTextureSpec
from photoflow.tamper.findings import TamperFinding, face_neck_finding
from photoflow.tamper.skin_regions import SkinRegions
from schemas.tamper_reasons import TamperReason


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
    return face_neck_finding(
        TamperReason.SKIN_SMOOTHED, texture_ratio(rgb, regions, spec), spec, flag_score,
        trace="fine detail", unedited="unedited portraits",
    )  # fmt: skip
