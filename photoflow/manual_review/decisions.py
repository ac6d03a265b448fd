"""Stage 2 decisions: a reviewer approves or rejects a photo, and the record moves on.

Every way of deciding goes through `_close`: the queue row records the decision, who made it and how
(a reviewer in the queue, the ops override, auto-approval), and the record makes its state-machine
move, in one transaction, naming the reviewer. Only the queue's decisions teach auto-approval. A
rejection sends the student back for a new photo with the reasons; an approval routes by contract
(`routing.after_approval`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from photoflow import idnumber
from photoflow.errors import PhotoflowError
from photoflow.manual_review.routing import after_approval
from photoflow.reshoot.requests import ReshootReason, request_reshoot
from photoflow.state import transition
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.enums import RecordStatus
from schemas.manual_review import DecisionSource, ManualDecision, ManualReview
from schemas.photos import PhotoAttempt
from schemas.reasons import ManualRejectReason
from schemas.records import StudentRecord
from schemas.reshoots import ReshootSource

MAX_NOTE = 500
AUTO_APPROVER = "auto-approval"  # decided_by and the event's actor when screening approves a photo
OVERRIDE_REASON = "approved by the ops override (photoflow manual approve), not reviewed in the queue"


class DecisionRefused(PhotoflowError):
    """The decision cannot be applied as asked (bad reasons, not held, already decided)."""


def check_rejection(reasons: Sequence[ManualRejectReason], note: str) -> None:
    if not reasons:
        raise DecisionRefused("choose at least one reason for the rejection / 请至少选择一个不通过原因")
    if ManualRejectReason.OTHER in reasons and not note.strip():
        raise DecisionRefused("'Other' needs a note saying what is wrong / 选择“其他”时请填写说明")
    if len(note) > MAX_NOTE:
        raise DecisionRefused(f"the note is {len(note)} characters; keep it under {MAX_NOTE}")


def rejection_text(reasons: Sequence[ManualRejectReason], note: str) -> str:
    text = "manual review: " + "; ".join(reason.en for reason in reasons)
    return (text + (f" ({note.strip()})" if note.strip() else ""))[:500]


def decide(
    engine: Engine,
    review_id: int,
    *,
    reviewer: str,
    decision: ManualDecision,
    reasons: Sequence[ManualRejectReason] = (),
    note: str = "",
    flow_run_id: str | None = None,
    now: datetime | None = None,
) -> RecordStatus:
    """Decide one photo the reviewer holds; returns the record's new status.

    The reviewer must hold the photo: their lease may have run out, but only while nobody else has
    claimed it since. A second decision on the same photo is refused, never applied twice.
    """
    if decision == ManualDecision.REJECTED:
        check_rejection(reasons, note)
    now = now or utcnow()
    with write_scope(engine) as session:
        review = session.exec(
            select(ManualReview).where(ManualReview.id == review_id).with_for_update()
        ).one_or_none()
        if review is None:
            raise DecisionRefused(f"photo {review_id} is not in the manual queue")
        if review.decision is not None:
            raise DecisionRefused(
                f"photo {review_id} was already decided ({review.decision.label}) by {review.decided_by}"
            )
        if review.holder != reviewer:
            raise DecisionRefused(
                f"photo {review_id} is not held by you (its lease ran out and it went to another "
                "reviewer, or you never claimed it); take the next photo from the queue"
            )
        return _close(
            session,
            review,
            actor=reviewer,
            via=DecisionSource.QUEUE,
            decision=decision,
            reasons=reasons,
            note=note,
            flow_run_id=flow_run_id,
            now=now,
        )


def _close(
    session: Session,
    review: ManualReview,
    *,
    actor: str,
    via: DecisionSource,
    decision: ManualDecision,
    reasons: Sequence[ManualRejectReason] = (),
    note: str = "",
    flow_run_id: str | None,
    now: datetime,
    approval_reason: str = "approved in manual review",
) -> RecordStatus:
    record = session.exec(
        select(StudentRecord).where(StudentRecord.id == review.record_id).with_for_update()
    ).one()
    if record.status != RecordStatus.IN_MANUAL_REVIEW:
        raise DecisionRefused(
            f"{idnumber.mask(record.id_number)} is {record.status.label}, no longer in manual review"
        )
    review.decision = decision
    review.reasons = [reason.value for reason in reasons]
    review.note = note.strip() or None
    review.decided_by = actor
    review.decided_at = now
    review.decided_via = via
    review.lease_expires_at = None
    session.add(review)
    moves: dict[str, Any] = dict(actor=actor, flow_run_id=flow_run_id)
    if decision == ManualDecision.APPROVED:
        transition(session, record, after_approval(session, record), reason=approval_reason[:500], **moves)
    else:
        transition(
            session, record, RecordStatus.MANUAL_REJECTED, reason=rejection_text(reasons, note), **moves
        )
        told = [ReshootReason.of_manual(reason) for reason in reasons]
        if note.strip():
            told.append(ReshootReason.note(note.strip()))
        attempt = session.get(PhotoAttempt, review.attempt_id)
        request_reshoot(
            session, record, source=ReshootSource.MANUAL_REVIEW, attempt=attempt, reasons=told, **moves
        )
    return record.status


def auto_approve(
    session: Session, review: ManualReview, *, reason: str, flow_run_id: str | None
) -> RecordStatus:
    """Screening's approval of a photo nobody holds: the queue row and the event say it and why."""
    return _close(
        session,
        review,
        actor=AUTO_APPROVER,
        via=DecisionSource.AUTO_APPROVAL,
        decision=ManualDecision.APPROVED,
        flow_run_id=flow_run_id,
        now=utcnow(),
        approval_reason=reason,
    )


def approve(
    engine: Engine,
    batch_id: int,
    *,
    actor: str,
    id_numbers: Sequence[str] = (),
    everyone: bool = False,
    flow_run_id: str | None = None,
) -> tuple[int, list[str]]:
    """Approve the named records of the batch, or its whole manual queue; returns (approved, skipped).

    The ops override of the queue: it decides photos whether or not a reviewer holds them, and the
    queue rows and events say so (nobody judged these photos, so auto-approval never learns from them).
    """
    if bool(id_numbers) == everyone:
        raise PhotoflowError(
            "name the students by ID number, or approve the whole queue with --all, not both"
        )
    skipped: list[str] = []
    approved = 0
    now = utcnow()
    with session_scope(engine) as session:
        statement = select(StudentRecord).where(StudentRecord.batch_id == batch_id)
        if everyone:
            statement = statement.where(StudentRecord.status == RecordStatus.IN_MANUAL_REVIEW)
        else:
            wanted = [idnumber.normalise(raw) for raw in id_numbers]
            statement = statement.where(col(StudentRecord.id_number).in_(wanted))
            found = set(session.scalars(statement.with_only_columns(col(StudentRecord.id_number))).all())
            skipped += [f"{idnumber.mask(n)}: not in batch {batch_id}" for n in wanted if n not in found]
        for record in session.exec(statement.order_by(col(StudentRecord.id))).all():
            review = _open_review(session, record) if record.status == RecordStatus.IN_MANUAL_REVIEW else None
            if review is None:
                skipped.append(
                    f"{idnumber.mask(record.id_number)}: {record.status.label}, not in the manual queue"
                )
                continue
            _close(
                session,
                review,
                actor=actor,
                via=DecisionSource.OPS_OVERRIDE,
                decision=ManualDecision.APPROVED,
                flow_run_id=flow_run_id,
                now=now,
                approval_reason=OVERRIDE_REASON,
            )
            approved += 1
    return approved, skipped


def _open_review(session: Session, record: StudentRecord) -> ManualReview | None:
    return session.exec(
        select(ManualReview)
        .where(ManualReview.record_id == record.id, col(ManualReview.decision).is_(None))
        .with_for_update()
    ).first()
