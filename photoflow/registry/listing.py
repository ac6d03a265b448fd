"""Where a batch's submissions stand: totals by state, the report of a submission run, and the rows for
ops to read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import col, select

from photoflow import idnumber
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.outputs import from_row
from schemas.photos import PhotoAttempt
from schemas.records import StudentRecord
from schemas.registry_reports import SubmissionOut, SubmissionReport, SubmissionRound
from schemas.submissions import Submission, SubmissionState

PENDING = (SubmissionState.QUEUED, SubmissionState.ACCEPTED)
NOT_CONFIGURED = "no registry configured: set PHOTOFLOW_REGISTRY_URL (and PHOTOFLOW_REGISTRY_TOKEN)"


def submission_states(engine: Engine, batch_id: int | None = None) -> dict[SubmissionState, int]:
    statement = select(col(Submission.state), func.count()).group_by(col(Submission.state))
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    with session_scope(engine) as session:
        return dict(session.exec(statement).all())


def held_submissions(engine: Engine, batch_id: int | None = None) -> tuple[int, datetime | None]:
    """Queued submissions a sending run holds now, and when the last claim runs out: a run that stopped
    holds its package until then, and the next run after then sends it."""
    statement = select(func.count(), func.max(Submission.claimed_until)).where(
        Submission.state == SubmissionState.QUEUED, col(Submission.claimed_until) > utcnow()
    )
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    with session_scope(engine) as session:
        count, until = session.exec(statement).one()
    return count, until


def submission_report(engine: Engine, batch_id: int | None, run: SubmissionRound) -> SubmissionReport:
    """What a run did, with where the submissions (of the batch, or of all) stand now."""
    states = submission_states(engine, batch_id)
    held, held_until = held_submissions(engine, batch_id)
    return SubmissionReport(
        batch_id=batch_id,
        run=run,
        states={state.value: count for state, count in states.items()},
        pending=sum(states.get(state, 0) for state in PENDING),
        held=held,
        held_until=held_until,
    )


def list_submissions(
    engine: Engine, batch_id: int, *, state: SubmissionState | None = None, limit: int = 200
) -> list[SubmissionOut]:
    """The batch's submissions, newest first, with masked ID numbers."""
    statement = (
        select(Submission, StudentRecord, PhotoAttempt.attempt_no)
        .join(StudentRecord, col(StudentRecord.id) == Submission.record_id)
        .join(PhotoAttempt, col(PhotoAttempt.id) == Submission.attempt_id)
        .where(Submission.batch_id == batch_id)
    )
    if state is not None:
        statement = statement.where(Submission.state == state)
    with session_scope(engine) as session:
        rows = session.exec(statement.order_by(col(Submission.id).desc()).limit(limit)).all()
        return [_out(submission, record, attempt_no) for submission, record, attempt_no in rows]


def _out(submission: Submission, record: StudentRecord, attempt_no: int) -> SubmissionOut:
    answered = submission.answered_at
    return from_row(
        SubmissionOut,
        submission,
        id_number=idnumber.mask(record.id_number),
        name=record.name,
        attempt_no=attempt_no,
        state=submission.state.value,
        state_label=submission.state.label,
        queued_at=f"{submission.queued_at:%Y-%m-%d %H:%M}",
        answered_at=f"{answered:%Y-%m-%d %H:%M}" if answered else None,
    )
