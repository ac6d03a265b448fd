"""The one state machine for student records; nothing else assigns a record's status.

Every change goes through `transition` (one record) or `admit` (new records from a roster), which check
the move against `ALLOWED` and write a `RecordEvent` row in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from photoflow.transitions import Moves
from schemas.clock import utcnow
from schemas.enums import RecordStatus as S
from schemas.events import event_reason
from schemas.ids import stored_id, stored_ids
from schemas.records import RecordEvent, StudentRecord

# from-status (None: the record does not exist yet) -> statuses it may move to
ALLOWED: Mapping[S | None, frozenset[S]] = {
    None: frozenset({S.AWAITING_PHOTO}),
    S.AWAITING_PHOTO: frozenset({S.IN_AUTO_REVIEW}),
    S.RESHOOT_REQUESTED: frozenset({S.IN_AUTO_REVIEW}),
    S.IN_AUTO_REVIEW: frozenset({S.AUTO_REJECTED, S.IN_MANUAL_REVIEW}),
    S.AUTO_REJECTED: frozenset({S.RESHOOT_REQUESTED}),
    S.IN_MANUAL_REVIEW: frozenset({S.MANUAL_REJECTED, S.COMPARING, S.COLLECTED}),
    S.MANUAL_REJECTED: frozenset({S.RESHOOT_REQUESTED}),
    S.COMPARING: frozenset({S.HELD, S.COLLECTED}),
    S.HELD: frozenset({S.RESHOOT_REQUESTED, S.COLLECTED}),
    S.COLLECTED: frozenset({S.SUBMITTING}),
    S.SUBMITTING: frozenset({S.REGISTERED, S.REGISTRY_FAILED}),
    S.REGISTRY_FAILED: frozenset({S.SUBMITTING, S.RESHOOT_REQUESTED}),
    S.REGISTERED: frozenset(),
}


MOVES = Moves("record", ALLOWED)


def can_move(current: S | None, target: S) -> bool:
    return MOVES.can_move(current, target)


def transition(
    session: Session,
    record: StudentRecord,
    target: S,
    *,
    actor: str,
    reason: str | None = None,
    flow_run_id: str | None = None,
) -> RecordEvent:
    """Move one record and log the move (the reason cut to what the event keeps); raises
    `IllegalTransitionError` for a move the table forbids."""
    MOVES.require(record.status, target, record.id)
    event = RecordEvent(
        record_id=stored_id(record),
        from_status=record.status,
        to_status=target,
        reason=event_reason(reason),
        actor=actor,
        flow_run_id=flow_run_id,
    )
    record.status = target
    record.updated_at = event.at
    session.add(record)
    session.add(event)
    return event


def admit(
    session: Session,
    rows: Sequence[dict[str, Any]],
    *,
    upload_id: int,
    actor: str,
    reason: str,
    flow_run_id: str | None = None,
) -> list[int]:
    """Create the records of a new upload in their first status, with one event each; returns their ids.

    Bulk statements, not ORM objects, and no RETURNING: psycopg re-parses every page of a multi-row
    INSERT ... RETURNING (4x slower on PostgreSQL). The upload is new, so its records are exactly
    the ones inserted here and are read back by upload.
    """
    if not rows:
        return []
    MOVES.require(None, S.AWAITING_PHOTO, None)
    now = utcnow()
    values = [
        {**row, "upload_id": upload_id, "status": S.AWAITING_PHOTO, "created_at": now, "updated_at": now}
        for row in rows
    ]
    session.execute(insert(StudentRecord), values)
    ids = stored_ids(
        session.scalars(select(col(StudentRecord.id)).where(col(StudentRecord.upload_id) == upload_id))
    )
    session.execute(insert(RecordEvent), list(_creation_events(ids, now, actor, reason, flow_run_id)))
    return ids


def _creation_events(
    ids: Iterable[int], now: Any, actor: str, reason: str, flow_run_id: str | None
) -> Iterable[dict[str, Any]]:
    for record_id in ids:
        yield {
            "record_id": record_id,
            "from_status": None,
            "to_status": S.AWAITING_PHOTO,
            "reason": reason,
            "actor": actor,
            "flow_run_id": flow_run_id,
            "at": now,
        }
