"""The state machine of registry submissions; nothing else assigns a submission's state.

A submission's state is what keeps a photo from being registered twice: only a queued one is sent,
and one with its final answer (registered, rejected) never moves again. Every move is checked against
`ALLOWED` and leaves a `SubmissionEvent` row in the same transaction as the move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from photoflow.state import transition
from photoflow.transitions import Moves
from schemas.clock import utcnow
from schemas.enums import RecordStatus
from schemas.events import event_reason
from schemas.ids import stored_id
from schemas.records import StudentRecord
from schemas.submissions import Submission, SubmissionEvent
from schemas.submissions import SubmissionState as S

# from-state (None: the submission does not exist yet) -> states it may move to
ALLOWED: Mapping[S | None, frozenset[S]] = {
    None: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.ACCEPTED, S.REGISTERED, S.REJECTED, S.UNREACHABLE}),
    S.ACCEPTED: frozenset({S.QUEUED, S.REGISTERED, S.REJECTED}),  # queued again: the registry lost it
    S.UNREACHABLE: frozenset({S.QUEUED}),  # ops put it back in line
    S.REGISTERED: frozenset(),
    S.REJECTED: frozenset(),
}
MOVES = Moves("submission", ALLOWED)
QUEUED_REASON = "queued for the registry"


def queue(
    session: Session, rows: Sequence[dict[str, Any]], *, actor: str, flow_run_id: str | None
) -> list[Submission]:
    """New submissions, queued, with one event each; the events go in as one multi-row INSERT."""
    MOVES.require(None, S.QUEUED, None)
    submissions = [
        Submission(**row, state=S.QUEUED, queued_by=actor, flow_run_id=flow_run_id) for row in rows
    ]
    if not submissions:
        return submissions
    session.add_all(submissions)
    session.flush()
    now = utcnow()
    events = [
        {
            "submission_id": submission.id,
            "from_state": None,
            "to_state": S.QUEUED,
            "reason": QUEUED_REASON,
            "actor": actor,
            "flow_run_id": flow_run_id,
            "at": now,
        }
        for submission in submissions
    ]
    session.execute(insert(SubmissionEvent), events)
    return submissions


def move(
    session: Session,
    submission: Submission,
    target: S,
    *,
    actor: str,
    reason: str | None = None,
    flow_run_id: str | None = None,
    at: datetime | None = None,
) -> SubmissionEvent:
    """Move one (locked) submission and log the move; raises `IllegalTransitionError` for a forbidden one."""
    MOVES.require(submission.state, target, submission.id)
    event = SubmissionEvent(
        submission_id=stored_id(submission),
        from_state=submission.state,
        to_state=target,
        reason=event_reason(reason),
        actor=actor,
        flow_run_id=flow_run_id,
        at=at or utcnow(),
    )
    submission.state = target
    session.add(submission)
    session.add(event)
    return event


def settle(
    session: Session,
    submission: Submission,
    record: StudentRecord,
    target: S,
    status: RecordStatus,
    *,
    reason: str,
    actor: str,
    flow_run_id: str | None,
    at: datetime,
) -> None:
    """A (locked) submission's final move and its (locked) record's move to match, under one reason."""
    move(session, submission, target, actor=actor, reason=reason, flow_run_id=flow_run_id, at=at)
    transition(session, record, status, actor=actor, reason=reason, flow_run_id=flow_run_id)


def requeue(
    session: Session,
    submission: Submission,
    *,
    reason: str,
    actor: str,
    flow_run_id: str | None,
    at: datetime | None = None,
) -> None:
    """Make a (locked) submission due again now, queued again first where it is not, under its same key."""
    submission.next_try_at = at or utcnow()
    if submission.state != S.QUEUED:
        move(session, submission, S.QUEUED, actor=actor, reason=reason, flow_run_id=flow_run_id, at=at)
