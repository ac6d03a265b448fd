"""Send a student back for a new photo: the one way every stage rejects.

`request_reshoot` runs inside the rejecting stage's transaction: the record moves to 待重拍, the
reshoot request keeps the reasons with their fix hints, and the student's notice goes into the outbox.
Either all three happen or none does, so no rejection goes untold and no notice tells of a rejection
that was rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlmodel import Session

from photoflow.notify.outbox import queue_notice
from photoflow.state import transition
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.photos import PhotoAttempt
from schemas.reasons import ManualRejectReason, PhotoReason
from schemas.records import StudentRecord
from schemas.reshoots import ReshootRequest, ReshootSource


@dataclass(frozen=True)
class ReshootReason:
    """One reason as the student reads it: code, Chinese, English, and what to do about it."""

    code: str
    zh: str
    en: str
    hint: str

    @classmethod
    def of_photo(cls, reason: PhotoReason, detail: str = "") -> ReshootReason:
        if detail:
            return cls(reason.value, f"{reason.zh}：{detail}", f"{reason.en}: {detail}", reason.hint)
        return cls(reason.value, reason.zh, reason.en, reason.hint)

    @classmethod
    def of_manual(cls, reason: ManualRejectReason) -> ReshootReason:
        return cls(reason.value, reason.zh, reason.en, reason.hint)

    @classmethod
    def note(cls, note: str) -> ReshootReason:
        """The reviewer's or admin's own words, passed on as they wrote them."""
        return cls("note", f"审核说明：{note}", f"Note from the reviewer: {note}", "")


def request_reshoot(
    session: Session,
    record: StudentRecord,
    *,
    source: ReshootSource,
    attempt: PhotoAttempt | None,
    reasons: Sequence[ReshootReason],
    actor: str,
    reason: str | None = None,
    flow_run_id: str | None = None,
) -> ReshootRequest:
    """Move the rejected record to reshoot requested, keep why, and queue the student's notice."""
    transition(
        session,
        record,
        RecordStatus.RESHOOT_REQUESTED,
        actor=actor,
        reason=(reason or f"new photo needed after {source.en.lower()}")[:500],
        flow_run_id=flow_run_id,
    )
    request = ReshootRequest(
        record_id=stored_id(record),
        attempt_id=attempt.id if attempt else None,
        attempt_no=attempt.attempt_no if attempt else 0,
        source=source,
        reasons=[asdict(item) for item in reasons],
        requested_by=actor,
        flow_run_id=flow_run_id,
    )
    session.add(request)
    session.flush()
    queue_notice(session, record, request)
    return request
