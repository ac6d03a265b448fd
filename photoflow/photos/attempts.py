"""Which attempt is a record's current one: the newest, found by one subquery every stage joins on."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import ColumnElement, Subquery, func, select
from sqlmodel import Session

from schemas.photos import AutoReview, PhotoAttempt


def latest_attempts(record_ids: Collection[int] | None = None) -> Subquery:
    """(record_id, attempt_no) of each record's newest attempt, for the given records or all."""
    statement = select(PhotoAttempt.record_id, func.max(PhotoAttempt.attempt_no).label("attempt_no"))
    if record_ids is not None:
        statement = statement.where(PhotoAttempt.record_id.in_(record_ids))  # type: ignore[attr-defined]
    return statement.group_by(PhotoAttempt.record_id).subquery()


def is_latest(latest: Subquery) -> ColumnElement[bool]:
    """The join condition that keeps only the PhotoAttempt rows `latest` names."""
    return (PhotoAttempt.record_id == latest.c.record_id) & (PhotoAttempt.attempt_no == latest.c.attempt_no)


def latest_attempt(session: Session, record_id: int) -> PhotoAttempt | None:
    """One record's newest attempt, or None before its first photo."""
    return session.scalars(
        select(PhotoAttempt)
        .where(PhotoAttempt.record_id == record_id)
        .order_by(PhotoAttempt.attempt_no.desc())
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
        select(PhotoAttempt.record_id, PhotoAttempt.id, PhotoAttempt.attempt_no, AutoReview.spec_image_path)
        .join(latest, is_latest(latest))
        .join(AutoReview, AutoReview.attempt_id == PhotoAttempt.id)
        .where(AutoReview.spec_image_path.is_not(None))  # type: ignore[union-attr]
    ).all()
    return {
        record_id: SpecImage(attempt_id, attempt_no, path) for record_id, attempt_id, attempt_no, path in rows
    }
