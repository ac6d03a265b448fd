"""Queue a notice in the outbox, inside the transaction of the change that causes it."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from photoflow.notify import notice_state
from photoflow.notify.messages import reshoot_notice
from schemas.notifications import Notification
from schemas.records import StudentRecord
from schemas.reshoots import ReshootRequest


def queue_notice(session: Session, record: StudentRecord, request: ReshootRequest) -> Notification:
    """A pending notice to the student's e-mail; one with no address is kept as such, for ops to see."""
    subject, body = reshoot_notice(record, request)
    return notice_state.queue(
        session,
        record_id=record.id,
        reshoot_id=request.id,
        recipient=record.email,
        subject=subject,
        body=body,
        message_id=f"<reshoot-{request.id}.{uuid.uuid4().hex}@photoflow>",
    )
