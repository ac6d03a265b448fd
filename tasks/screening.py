"""Tasks of screening and of the weights it learns, each wrapping one step of photoflow.auto_approval."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.auto_approval.report import weights_out
from photoflow.auto_approval.screening import pending_screening, screen_attempts
from photoflow.auto_approval.weights import recompute_weights
from photoflow.database import default_engine
from photoflow.settings import get_settings
from schemas.reports import ScreenedAttempt
from schemas.screening_reports import WeightsOut
from tasks.chunks import log_chunk, run_chunk


@task(cache_policy=NO_CACHE)
def list_unscreened(batch_id: int) -> list[int]:
    """Queued attempts of the batch waiting for (or part-way through) screening."""
    return pending_screening(default_engine(), batch_id)


# A retry is safe: a decided or moved photo is skipped, a screening row is updated in place.
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def screen_chunk(attempt_ids: list[int], actor: str) -> list[ScreenedAttempt]:
    """Screening for one chunk: tamper checks in the workers, early comparisons, scores, approvals."""
    screened = run_chunk(screen_attempts, attempt_ids, actor)
    auto = sum(item.outcome == "auto_approved" for item in screened)
    log_chunk(
        "screened %d of %d photos: %d auto-approved, %d to reviewers, %d with signs of editing",
        screened,
        attempt_ids,
        auto,
        len(screened) - auto,
        sum(i.tamper_flagged for i in screened),
    )
    return screened


@task(cache_policy=NO_CACHE)
def learn_weights(actor: str, threshold: float | None) -> WeightsOut:
    """Recompute the interfaces' success rates and check them on the held-back decisions."""
    weights = recompute_weights(
        default_engine(), get_settings(), actor=actor, threshold=threshold, flow_run_id=flow_run.id
    )
    return weights_out(weights)
