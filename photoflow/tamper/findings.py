"""One sign of editing found in a photo: the reason, how strongly it points to an edit, and the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.tamper_reasons import TamperReason


@dataclass(frozen=True)
class TamperFinding:
    reason: TamperReason
    score: float
    detail: str  # English, with the numbers behind it

    def as_dict(self) -> dict[str, object]:
        return {"reason": self.reason.value, "zh": self.reason.zh, "en": self.reason.en,
                "score": self.score, "detail": self.detail}  # fmt: skip
