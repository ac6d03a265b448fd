"""The manual queue: reviewers claim photos under a lease that expires, so no two hold the same photo.

A claim is one statement's worth of work under a lock. On PostgreSQL the free rows are read with
`FOR UPDATE SKIP LOCKED`: a reviewer never waits on rows another is claiming, and a row claimed and
committed meanwhile is re-checked and dropped. On SQLite the claim runs under `write_scope`, which
takes the database's single write lock first, so claims run one after another and each sees the
last. A lease that runs out puts the photo back for anyone; its holder may still decide it until
someone else claims it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Engine, and_, func, or_, update
from sqlmodel import Session, col, select

from photoflow.settings import Settings
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.ids import stored_id, stored_ids
from schemas.manual_review import ManualReview, SlaState
from schemas.records import StudentRecord
from schemas.review_views import QueueCounts


def enqueue(session: Session, record: StudentRecord, attempt_id: int) -> None:
    """Put a record's attempt in the queue as it enters manual review (in the same transaction)."""
    session.add(ManualReview(attempt_id=attempt_id, record_id=stored_id(record), batch_id=record.batch_id))


def _open() -> ColumnElement[bool]:
    return col(ManualReview.decision).is_(None)


def _free(now: datetime) -> ColumnElement[bool]:
    return and_(_open(), or_(col(ManualReview.holder).is_(None), col(ManualReview.lease_expires_at) <= now))


def _held_by(reviewer: str, now: datetime) -> ColumnElement[bool]:
    """Undecided and under the reviewer's live lease."""
    return and_(_open(), col(ManualReview.holder) == reviewer, col(ManualReview.lease_expires_at) > now)


def claim(
    engine: Engine,
    *,
    reviewer: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
) -> list[int]:
    """Hold up to `limit` photos for the reviewer, oldest first; returns the ids of all they hold.

    Photos the reviewer already holds count towards the limit and get a fresh lease.
    """
    now = now or utcnow()
    expires = now + lease
    with write_scope(engine) as session:
        mine = stored_ids(
            session.exec(select(col(ManualReview.id)).where(_held_by(reviewer, now)).with_for_update())
        )
        wanted = limit - len(mine)
        taken: list[int] = []
        if wanted > 0:
            taken = stored_ids(
                session.exec(
                    select(col(ManualReview.id))
                    .where(_free(now))
                    .order_by(col(ManualReview.entered_at), col(ManualReview.id))
                    .limit(wanted)
                    .with_for_update(skip_locked=True)
                ).all()
            )
        held = [*mine, *taken]
        if held:
            session.execute(
                update(ManualReview)
                .where(col(ManualReview.id).in_(held))
                .values(holder=reviewer, lease_expires_at=expires)
            )
    return sorted(held)


def release(engine: Engine, *, reviewer: str) -> int:
    """Give back every undecided photo the reviewer holds (they stop reviewing); returns how many."""
    with write_scope(engine) as session:
        result = session.exec(
            update(ManualReview)
            .where(_open(), col(ManualReview.holder) == reviewer)
            .values(holder=None, lease_expires_at=None)
        )
        return result.rowcount


def held_by(engine: Engine, reviewer: str, *, now: datetime | None = None) -> list[int]:
    """The undecided photos the reviewer holds under a live lease, oldest first."""
    now = now or utcnow()
    with session_scope(engine) as session:
        return stored_ids(
            session.exec(
                select(col(ManualReview.id))
                .where(_held_by(reviewer, now))
                .order_by(col(ManualReview.entered_at), col(ManualReview.id))
            ).all()
        )


def sla_state(entered_at: datetime, now: datetime, sla_days: tuple[int, int]) -> SlaState:
    age = now - entered_at
    if age >= timedelta(days=sla_days[1]):
        return SlaState.OVERDUE
    if age >= timedelta(days=sla_days[0]):
        return SlaState.DUE
    return SlaState.ON_TIME


def queue_counts(
    engine: Engine,
    settings: Settings,
    *,
    reviewer: str,
    now: datetime | None = None,
) -> QueueCounts:
    """The numbers at the top of the queue page: what waits, who holds what, and how old it is."""
    now = now or utcnow()
    due_after = now - timedelta(days=settings.review_sla_days[0])
    overdue_after = now - timedelta(days=settings.review_sla_days[1])
    live = col(ManualReview.lease_expires_at) > now
    entered = col(ManualReview.entered_at)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)

    def count(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count().filter(*conditions)

    statement = sa.select(  # seven columns: sqlmodel's select is typed for at most four
        count(_free(now)),
        count(_held_by(reviewer, now)),
        count(_open(), col(ManualReview.holder) != reviewer, live),
        count(_open(), entered > due_after),
        count(_open(), entered <= due_after, entered > overdue_after),
        count(_open(), entered <= overdue_after),
        count(col(ManualReview.decided_by) == reviewer, col(ManualReview.decided_at) >= day_start),
    )
    with session_scope(engine) as session:
        row = session.execute(statement).one()
    names = ("waiting", "held_by_me", "held_by_others", "on_time", "due", "overdue", "decided_by_me_today")
    return QueueCounts(**dict(zip(names, row, strict=True)))
