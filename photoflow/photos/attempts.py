"""Which attempt is a record's current one: the newest, found by one subquery every stage joins on."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import ColumnElement, Subquery, func, select
from sqlmodel import Session, col

from schemas.photos import AutoReview, PhotoAttempt


def latest_attempts(record_ids: Collection[int] | None = None) -> Subquery:
    """(record_id, attempt_no) of each record's newest attempt, for the given records or all."""
    statement = select(col(PhotoAttempt.record_id), func.max(PhotoAttempt.attempt_no).label("attempt_no"))
    if record_ids is not None:
        statement = statement.where(col(PhotoAttempt.record_id).in_(record_ids))
    return statement.group_by(col(PhotoAttempt.record_id)).subquery()


def is_latest(latest: Subquery) -> ColumnElement[bool]:
    """The join condition that keeps only the PhotoAttempt rows `latest` names."""
    return (col(PhotoAttempt.record_id) == latest.c.record_id) & (
        col(PhotoAttempt.attempt_no) == latest.c.attempt_no
    )


def latest_attempt(session: Session, record_id: int) -> PhotoAttempt | None:
    """One record's newest attempt, or None before its first photo."""
    return session.scalars(
        select(PhotoAttempt)
        .where(col(PhotoAttempt.record_id) == record_id)
        .order_by(col(PhotoAttempt.attempt_no).desc())
    ).first()


class SpecImage(NamedTuple):
    """A record's latest attempt and the spec image stage 1 made of it (relative to the data folder)."""

    attempt_id: int
    attempt_no: int
    path: str


def current_spec_images(session: Session, record_ids: Collection[int]) -> dict[int, SpecImage]:
    """record id -> its current spec image; records whose latest attempt has none are left out."""
    if not record_ids:
        return {}
    latest = latest_attempts(record_ids)
    rows = session.execute(
        select(
            col(PhotoAttempt.record_id),
            col(PhotoAttempt.id),
            col(PhotoAttempt.attempt_no),
            col(AutoReview.spec_image_path),
        )
        .join(latest, is_latest(latest))
        .join(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
        .where(col(AutoReview.spec_image_path).is_not(None))
    ).all()
    return {
        record_id: SpecImage(attempt_id, attempt_no, path) for record_id, attempt_id, attempt_no, path in rows
    }
