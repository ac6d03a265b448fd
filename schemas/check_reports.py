"""What `photoflow check` returns per photo file: the verdict the pipeline would reach before a reviewer,
every reason with its Chinese and English text and hint, and the tamper check's findings."""

from __future__ import annotations

from pydantic import BaseModel

from schemas.labels import LabelledEnum


class CheckVerdict(LabelledEnum):
    """Where the pipeline would send the photo: on to review, back to the student, or held as edited."""

    PASSED = ("passed", "通过", "passed")
    REJECTED = ("rejected", "未通过，需重拍", "rejected: take the photo again")
    HELD = ("held", "疑似修图，交审核员判定", "held for a reviewer: signs of editing")


class ReasonOut(BaseModel):
    code: str
    zh: str
    en: str
    hint: str
    source: str  # "photo" (stage 1's reason) or "tamper" (the screening's tamper check)


class FindingOut(BaseModel):
    """One trace of the tamper check, flagged or not: its reason, its 0-100 score and the numbers."""

    code: str
    zh: str
    en: str
    hint: str
    score: float
    detail: str


class TamperOut(BaseModel):
    score: float  # 0-100, higher = more likely edited
    flagged: bool  # at the spec's flag line: screening holds the photo for a reviewer
    findings: list[FindingOut]


class CheckOut(BaseModel):
    file: str
    passed: bool  # the verdict is "passed"
    verdict: str  # a CheckVerdict value
    reasons: list[ReasonOut]
    tamper: TamperOut | None  # None when the file could not be decoded (the pipeline refuses it first)
    standardised: str | None  # path of the spec image, when one was produced
    overlay: str | None  # path of the overlay PNG, for a rejected photo
    message: str | None = None  # why the file could not be read at all
