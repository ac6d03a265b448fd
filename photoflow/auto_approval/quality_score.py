"""The quality interface's score: how comfortably a photo passed the measures reviewers also judge.

Stage 1 says pass or fail; a reviewer rejects photos that passed it narrowly (a little dark, a hint of
a smile). Each measure of light, clarity, shadow, expression and pose gets a margin, 0 at its limit
and 1 far inside it; the score is the mean of the average margin and the weakest one, so one measure
close to its limit pulls the photo down without the others' comfort hiding it (on the labelled
datasets' photos that pass stage 1 this separated approved from rejected better than the mean alone:
AUC 0.82 against 0.78; benchmarks/evaluate_auto_approval.py prints it). Framing measures are left out:
standardisation puts every photo near their limits by construction. Which measures are judged, and the
ideal value of an upper-limited one whose best is not 0, is the measure catalogue's `judged` and `ideal`
(`schemas/measure_catalogue.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas.measure_catalogue import CATALOGUE, Measure

JUDGED_MEASURES: dict[str, Measure] = {measure.name: measure for measure in CATALOGUE if measure.judged}


def margin(value: float, low: float | None, high: float | None, ideal: float = 0.0) -> float | None:
    """0 at a limit; 1 at the middle of a two-sided range, at `ideal` under an upper limit, or a lower
    limit's own size above it."""
    if low is not None and high is not None:
        half = (high - low) / 2
        inside = min(value - low, high - value) / half if half > 0 else 1.0
    elif high is not None:
        inside = (high - value) / abs(high - ideal) if high != ideal else 0.0
    elif low is not None:
        inside = (value - low) / abs(low) if low else 1.0
    else:
        return None
    return max(0.0, min(1.0, inside))


def quality_score(measurements: Iterable[dict[str, Any]]) -> float | None:
    """0-100 from stage 1's measurements, None when none of the judged measures was taken."""
    margins = [
        margin(float(m["value"]), m.get("low"), m.get("high"), JUDGED_MEASURES[m["measure"]].ideal)
        for m in measurements
        if m.get("measure") in JUDGED_MEASURES and m.get("value") is not None
    ]
    known = [value for value in margins if value is not None]
    if not known:
        return None
    return round(100 * (sum(known) / len(known) + min(known)) / 2, 1)
