"""The state machine of export jobs; nothing else assigns an export's status.

An export is queued, then processing, then done or failed, which are final. Processing may start
again: a run that finds an export left processing (its run crashed) does it again from the start.
Each move is checked against `ALLOWED` and leaves an `ExportJobEvent` row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from photoflow.transitions import Moves, opened
from schemas.deliverables import ExportJob, ExportJobEvent
from schemas.deliverables import ExportStatus as E
from schemas.events import event_reason
from schemas.ids import stored_id

# from-status (None: the export does not exist yet) -> statuses it may move to
ALLOWED: Mapping[E | None, frozenset[E]] = {
    None: frozenset({E.QUEUED}),
    E.QUEUED: frozenset({E.PROCESSING}),
    E.PROCESSING: frozenset({E.PROCESSING, E.DONE, E.FAILED}),
    E.DONE: frozenset(),
    E.FAILED: frozenset(),
}
MOVES = Moves("export", ALLOWED)
FINAL = MOVES.final()


def request(session: Session, *, actor: str, **fields: Any) -> ExportJob:
    """A new export (queued) and its first event, in the caller's transaction."""
    MOVES.require(None, E.QUEUED, None)
    job = ExportJob(**fields, status=E.QUEUED, requested_by=actor)
    return opened(session, job, lambda job_id: ExportJobEvent(job_id=job_id, to_status=E.QUEUED, actor=actor))


def move(
    session: Session,
    job: ExportJob,
    target: E,
    *,
    actor: str,
    reason: str | None = None,
    flow_run_id: str | None = None,
) -> ExportJobEvent:
    """Move one (locked) export and log the move; raises `IllegalTransitionError` for a forbidden one."""
    MOVES.require(job.status, target, job.id)
    event = ExportJobEvent(
        job_id=stored_id(job),
        from_status=job.status,
        to_status=target,
        reason=event_reason(reason),
        actor=actor,
        flow_run_id=flow_run_id,
    )
    job.status = target
    session.add(job)
    session.add(event)
    return event
