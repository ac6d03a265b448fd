"""Why a photo's similarity pattern looks like a fused face (two people blended into one), in Chinese and
English; a finding sends the photo to a person, it never rejects it on its own."""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class FusionReason(ReasonEnum):
    """Which pattern of scores `photoflow.similarity.fusion.check_fusion` found; hints are for reviewers."""

    SECOND_IDENTITY = (
        "second_identity",
        "与另一身份过于相似（疑似合成）",
        "Unusually close to a second identity (possible face fusion)",
        "Compare the photo with the other student's photos; reject as edited if it blends the two faces.",
    )
    PULLED_TOWARDS = (
        "pulled_towards",
        "比本人参照照片更接近另一学生（疑似合成）",
        "Much closer to another student than the student's own reference is (possible face fusion)",
        "Compare the photo with both students' references; reject as edited if it blends the two faces.",
    )
    BETWEEN_REFERENCES = (
        "between_references",
        "两张参照照片不是同一人，而采集照片与两者都相似（疑似合成）",
        "The reference photos show two people and the photo is close to both (possible face fusion)",
        "Check which reference photo is the student's; reject as edited if the photo blends both people.",
    )
