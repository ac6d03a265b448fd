"""One sign of editing found in a photo: the reason, how strongly it points to an edit, and the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from data_contracts.tamper_spec import RatioScale
from schemas.reasons import TamperReason


@dataclass(frozen=True)
class TamperFinding:
    reason: TamperReason
    score: float
    detail: str  # English, with the numbers behind it

    def as_dict(self) -> dict[str, object]:
        return {
            "reason": self.reason.value,
            "zh": self.reason.zh,
            "en": self.reason.en,
            "score": self.score,
            "detail": self.detail,
        }


def ratio_score(ratio: float, scale: RatioScale, flag_score: float) -> float:
    """0 from `clear_ratio` up, the flag line at `flag_ratio`, `scale.score` at `strong_ratio` and
    below; linear in between, so a ratio near the line scores near it."""
    if ratio >= scale.clear_ratio:
        return 0.0
    if ratio >= scale.flag_ratio:
        return flag_score * (scale.clear_ratio - ratio) / (scale.clear_ratio - scale.flag_ratio)
    if ratio <= scale.strong_ratio:
        return scale.score
    share = (scale.flag_ratio - ratio) / (scale.flag_ratio - scale.strong_ratio)
    return flag_score + (scale.score - flag_score) * share
