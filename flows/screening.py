"""Screening of a batch: every photo that entered the manual queue is scored, the clearly good approved.

Runs between stage 1 and stage 3 in the batch flow and in the advance flow (a photo whose reference
photo arrived later is screened again). Chunks run here or on Dask, as `settings.task_runner` says.
"""

from __future__ import annotations

from prefect import flow

from flows.task_runners import run_chunks
from photoflow.settings import get_settings
from photoflow.workers import chunks
from schemas.reports import ScreenedAttempt, ScreeningReport
from tasks.artifacts import publish_stage_summary
from tasks.screening import list_unscreened, screen_chunk


@flow(name="screening")
def screening_flow(batch_id: int, actor: str | None = None) -> ScreeningReport:
    """Screen every queued photo of the batch not screened yet; a rerun screens nothing twice."""
    settings = get_settings()
    screened: list[ScreenedAttempt] = run_chunks(
        screen_chunk,
        chunks(list_unscreened(batch_id), settings.review_chunk_size),
        actor=actor or settings.actor,
    )
    if screened:
        publish_stage_summary("screening", batch_id)
    auto = sum(item.outcome == "auto_approved" for item in screened)
    return ScreeningReport(
        batch_id=batch_id,
        screened=len(screened),
        auto_approved=auto,
        to_reviewer=len(screened) - auto,
        tamper_flagged=sum(item.tamper_flagged for item in screened),
        attempts=screened,
    )
