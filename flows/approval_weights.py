"""Nightly: learn the interfaces' success rates from the day's human decisions (prefect.yaml schedule).

Each run stores a new weights row; screening uses the latest one once it rests on enough history
(`settings.approval_min_history`). The run's result reports the held-back check at the threshold.
"""

from __future__ import annotations

from prefect import flow

from photoflow.settings import get_settings
from schemas.screening_reports import WeightsOut
from tasks.screening import learn_weights


@flow(name="approval-weights")
def approval_weights_flow(actor: str | None = None, threshold: float | None = None) -> WeightsOut:
    """Recompute the weights; `threshold` checks a what-if threshold instead of the configured one."""
    return learn_weights(actor or get_settings().actor, threshold)
