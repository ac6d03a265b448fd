"""How much screening spares the reviewers, and how far auto-approval can be trusted.

The routed share counts screenings (one per attempt that passed stage 1); the disagreement comes from
the latest weights' check on the held-back slice of human decisions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from photoflow.auto_approval.weights import latest_weights
from schemas.db import session_scope
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.screening import ApprovalWeights, Screening, ScreeningOutcome
from schemas.screening_reports import ApprovalReport, BatchRouting, WeightsOut


def approval_report(
    engine: Engine, *, batch_id: int | None = None, since: datetime | None = None
) -> ApprovalReport:
    routed = func.count().filter(col(Screening.outcome) == ScreeningOutcome.TO_REVIEWER)
    statement = (
        select(col(Screening.batch_id), func.count(), routed)
        .group_by(col(Screening.batch_id))
        .order_by(col(Screening.batch_id))
    )
    if batch_id is not None:
        statement = statement.where(Screening.batch_id == batch_id)
    if since is not None:
        statement = statement.where(Screening.screened_at >= since)
    with session_scope(engine) as session:
        batches = [
            BatchRouting(batch_id=b, screened=n, to_reviewer=r) for b, n, r in session.exec(statement).all()
        ]
        latest = latest_weights(session)
        weights = weights_out(latest) if latest else None
    screened = sum(b.screened for b in batches)
    to_reviewer = sum(b.to_reviewer for b in batches)
    return ApprovalReport(
        screened=screened,
        to_reviewer=to_reviewer,
        routed_share=round(to_reviewer / screened, 4) if screened else None,
        batches=batches,
        weights=weights,
    )


def weights_out(weights: ApprovalWeights) -> WeightsOut:
    auto = weights.held_back_auto
    return from_row(
        WeightsOut,
        weights,
        id=stored_id(weights),
        disagreement=round(weights.held_back_disagree / auto, 4) if auto else None,
    )
