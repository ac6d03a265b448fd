"""What the approval report and the weights flow return: routing per batch and the held-back check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class BatchRouting(BaseModel):
    batch_id: int
    screened: int
    to_reviewer: int


class WeightsOut(BaseModel):
    id: int
    computed_at: datetime
    decided: int  # screened attempts reviewers decided in the queue, both slices
    rates: dict[str, dict[str, Any]]  # interface -> rate, agreed, total (training slice)
    threshold: float | None
    held_back: int
    held_back_auto: int  # held-back attempts auto-approval would have approved
    held_back_disagree: int  # of those, rejected by the humans
    held_back_missed: int  # approved by the humans but still sent to a reviewer
    disagreement: float | None  # held_back_disagree / held_back_auto


class ApprovalReport(BaseModel):
    screened: int
    to_reviewer: int
    routed_share: float | None  # to_reviewer / screened
    batches: list[BatchRouting]
    weights: WeightsOut | None
