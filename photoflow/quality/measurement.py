"""One measure's outcome: its value, the limits it was held to, pass or fail, and the reason if it failed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from schemas.reasons import PhotoReason


@dataclass(frozen=True)
class Measurement:
    measure: str
    value: float | None
    passed: bool
    reason: PhotoReason  # the reason reported when the measure fails
    low: float | None = None
    high: float | None = None

    def as_dict(self) -> dict[str, Any]:
        value = None if self.value is None or not math.isfinite(self.value) else round(self.value, 4)
        return {
            "measure": self.measure,
            "value": value,
            "low": self.low,
            "high": self.high,
            "passed": self.passed,
            "reason": None if self.passed else self.reason.value,
        }


def within(measure: str, value: float, low: float, high: float, reason: PhotoReason) -> Measurement:
    return Measurement(measure, value, low <= value <= high, reason, low, high)


def at_most(measure: str, value: float, high: float, reason: PhotoReason) -> Measurement:
    return Measurement(measure, value, value <= high, reason, None, high)


def at_least(measure: str, value: float, low: float, reason: PhotoReason) -> Measurement:
    return Measurement(measure, value, value >= low, reason, low, None)


def failed(measure: str, reason: PhotoReason, value: float | None = None) -> Measurement:
    """A measure that could not pass at all (no face to measure, a file that cannot be read)."""
    return Measurement(measure, value, False, reason)
