"""Stage 1 of a batch: every attempt waiting for automatic review, in a few chunked task runs.

The chunks run here or on Dask workers, as `settings.task_runner` says (flows/task_runners.py).
"""

from __future__ import annotations

from prefect import flow

from flows.task_runners import run_chunks
from photoflow.settings import get_settings
from photoflow.workers import chunks
from schemas.enums import EducationCategory
from schemas.reports import AutoReviewReport
from tasks.artifacts import publish_stage_summary
from tasks.photos import find_batch, list_pending_attempts, review_chunk


@flow(name="auto-review")
def auto_review_flow(
    institution: str, category: str, learning_centre: str = "", actor: str | None = None
) -> AutoReviewReport:
    """Review every photo attempt of the batch that has no verdict yet; a rerun reviews nothing twice."""
    settings = get_settings()
    batch_id = find_batch(institution, EducationCategory.parse(category), learning_centre)
    pending = list_pending_attempts(batch_id)
    reviewed = run_chunks(
        review_chunk, chunks(pending, settings.review_chunk_size), actor=actor or settings.actor
    )
    passed = sum(item.passed for item in reviewed)
    publish_stage_summary("auto-review", batch_id)
    return AutoReviewReport(
        batch_id=batch_id,
        reviewed=len(reviewed),
        passed=passed,
        rejected=len(reviewed) - passed,
        already_reviewed=len(pending) - len(reviewed),
        attempts=reviewed,
    )
