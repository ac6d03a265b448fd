"""What one stage run did to a batch, in counts: where the batch's records stand, and why they moved.

Read from the database alone (records and their events), so any report built on it, such as the
Prefect artifacts of `tasks.artifacts`, shows what the database holds and never holds anything more.
"""

from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from schemas.enums import RecordStatus
from schemas.records import RecordEvent, StudentRecord

_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")


class StatusCount(BaseModel):
    status: str
    zh: str
    en: str
    count: int


class ReasonCount(BaseModel):
    to_status: str
    zh: str
    en: str
    reason: str
    count: int


class StageSummary(BaseModel):
    """Every status of the batch (zeros included, in the state machine's order) and the run's moves."""

    batch_id: int
    flow_run_id: str | None
    statuses: list[StatusCount]
    reasons: list[ReasonCount]


def reason_kind(reason: str | None) -> str:
    """The part of an event's reason that is the same for every record moved for the same cause.

    Reasons are written as a cause, then per-record detail: after ': ' (a photo's file name, the failed
    checks, similarity scores, the registry's message, an admin's note) or in a closing parenthesis
    ('(attempt 2)', '(receipt ...)'). Counting whole strings would give one row per record, and the
    detail may carry personal data (file names, notes), so both are cut: 'photo received: 1101….jpg
    (attempt 2)' counts as 'photo received'. Per-check counts of a stage live in its own tables
    (auto reviews, comparisons, submissions), not in this summary.
    """
    if not reason:
        return ""
    return _TRAILING_NOTE.sub("", reason.split(": ", 1)[0]).strip()


def stage_summary(engine: Engine, batch_id: int, flow_run_id: str | None) -> StageSummary:
    """Two grouped queries: the batch's records per status, and this run's events of the batch per reason."""
    with Session(engine) as session:
        per_status: dict[RecordStatus, int] = dict(
            session.execute(
                select(col(StudentRecord.status), func.count())
                .where(col(StudentRecord.batch_id) == batch_id)
                .group_by(col(StudentRecord.status))
            ).all()
        )
        moves = Counter[tuple[RecordStatus, str]]()
        if flow_run_id is not None:
            for to_status, reason, count in session.execute(
                select(col(RecordEvent.to_status), col(RecordEvent.reason), func.count())
                .join(StudentRecord, col(StudentRecord.id) == RecordEvent.record_id)
                .where(col(StudentRecord.batch_id) == batch_id, col(RecordEvent.flow_run_id) == flow_run_id)
                .group_by(col(RecordEvent.to_status), col(RecordEvent.reason))
            ):
                moves[to_status, reason_kind(reason)] += count
    return StageSummary(
        batch_id=batch_id,
        flow_run_id=flow_run_id,
        statuses=[
            StatusCount(status=s.value, zh=s.zh, en=s.en, count=per_status.get(s, 0)) for s in RecordStatus
        ],
        reasons=[
            ReasonCount(to_status=s.value, zh=s.zh, en=s.en, reason=reason, count=count)
            for (s, reason), count in sorted(moves.items(), key=lambda item: (-item[1], item[0]))
        ],
    )


def batches_changed_by(engine: Engine, flow_run_id: str) -> list[int]:
    """The batches whose records this flow run moved, for flows that work across batches."""
    with Session(engine) as session:
        return list(
            session.scalars(
                select(col(StudentRecord.batch_id))
                .join(RecordEvent, col(RecordEvent.record_id) == StudentRecord.id)
                .where(col(RecordEvent.flow_run_id) == flow_run_id)
                .distinct()
                .order_by(col(StudentRecord.batch_id))
            )
        )
