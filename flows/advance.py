"""Carry records the rest of the way, for every batch: screening, comparison, submission, then notices.

Scheduled every 10 minutes (prefect.yaml). Each stage it starts is the stage's own flow, which is an
idempotent reconciler, so a run that overlaps a batch run or follows a crash repeats nothing.
"""

from __future__ import annotations

from prefect import flow

from flows.notifications import notifications_flow
from flows.screening import screening_flow
from flows.similarity import similarity_flow
from flows.subflows import parent_heartbeat_only
from flows.submission import submission_flow
from photoflow.advance import batches_in
from photoflow.auto_approval.screening import batches_to_screen
from photoflow.database import default_engine
from photoflow.settings import get_settings
from schemas.enums import RecordStatus
from schemas.run_reports import AdvanceRun


@flow(name="advance")
def advance_flow(actor: str | None = None) -> AdvanceRun:
    """Screen newly queued photos, compare the records approved into comparison, submit, send notices."""
    actor = actor or get_settings().actor
    engine = default_engine()
    with parent_heartbeat_only():
        screened = [screening_flow(batch, actor) for batch in batches_to_screen(engine)]
        compared = [similarity_flow(batch, actor) for batch in batches_in(engine, RecordStatus.COMPARING)]
        submitted = [submission_flow(batch, actor) for batch in batches_in(engine, RecordStatus.COLLECTED)]
        return AdvanceRun(
            screening=screened, similarity=compared, submission=submitted, notices=notifications_flow()
        )
