"""Why a reviewer rejects a photo in the manual queue, in Chinese and English, with the student's fix hint."""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class ManualRejectReason(ReasonEnum):
    """Why a reviewer rejects a photo; these are the reasons stage 1 cannot judge as well as a person."""

    LIGHTING = (
        "lighting",
        "光线问题",
        "Lighting",
        "Take the photo facing a window in daylight, with the wall behind you.",
    )
    CLARITY = (
        "clarity",
        "清晰度不足",
        "Not clear enough",
        "Hold the camera still and focus on the face; a studio photo is best.",
    )
    SHADOW = (
        "shadow",
        "脸部有阴影",
        "Shadow on the face",
        "Face the light so that no shadow falls on the face or the wall behind.",
    )
    EXPRESSION = (
        "expression",
        "表情不自然或露出牙齿",
        "Expression not neutral, or teeth showing",
        "Keep a neutral expression with the lips closed, as on an ID card.",
    )
    EDITED = (
        "edited",
        "照片经过修图或合成",
        "Photo retouched, edited or fused",
        "Send a photo as the camera took it: no retouching, no face fusion.",
    )
    OTHER = ("other", "其他", "Other", "Read the reviewer's note and take the photo again.")
