"""Apply what the registry says about a submission: accepted, registered, rejected, or never seen.

Answers can arrive twice (a send and a poll, two runs at once); a submission that already has its
final answer is left alone, so a record is registered, or sent back for a reshoot, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from photoflow.registry import submission_state
from photoflow.registry.client import EntryAnswer
from photoflow.reshoot.requests import ReshootReason, request_reshoot
from schemas.enums import RecordStatus
from schemas.photos import PhotoAttempt
from schemas.reasons import PhotoReason
from schemas.records import StudentRecord
from schemas.registry_reports import SubmissionRound
from schemas.reshoots import ReshootSource
from schemas.submissions import Submission, SubmissionState

FINAL = frozenset({SubmissionState.REGISTERED, SubmissionState.REJECTED, SubmissionState.UNREACHABLE})


@dataclass(frozen=True)
class AnswerRound:
    """Where a round's answers are recorded: the open session, the round's report, by whom and when."""

    session: Session
    report: SubmissionRound
    actor: str
    flow_run_id: str | None
    now: datetime


def apply_answer(answering: AnswerRound, submission: Submission, answer: EntryAnswer) -> None:
    """Record one answer on its (locked) submission and move the record when the answer is final."""
    if submission.state in FINAL:
        return
    session, now = answering.session, answering.now
    submission.receipt = answer.receipt or submission.receipt
    if answer.state == "processing":
        if submission.state == SubmissionState.QUEUED:
            submission.sent_at = submission.sent_at or now
            submission_state.move(
                session,
                submission,
                SubmissionState.ACCEPTED,
                actor=answering.actor,
                flow_run_id=answering.flow_run_id,
                at=now,
            )
            answering.report.accepted += 1
    elif answer.state == "unknown":
        submission_state.requeue(  # the registry lost it: send again, same key
            session,
            submission,
            reason="the registry does not know it: sent again under the same key",
            actor=answering.actor,
            flow_run_id=answering.flow_run_id,
            at=now,
        )
        answering.report.requeued += 1
    elif answer.state in ("registered", "rejected"):
        submission.sent_at = submission.sent_at or now
        submission.answered_at = now
        _final(answering, submission, answer)
    session.add(submission)


def _final(answering: AnswerRound, submission: Submission, answer: EntryAnswer) -> None:
    session = answering.session
    record = session.exec(
        select(StudentRecord).where(StudentRecord.id == submission.record_id).with_for_update()
    ).one()
    if answer.state == "registered":
        submission.reason = None  # a fault of an earlier round, no longer the story
        submission_state.settle(
            session,
            submission,
            record,
            SubmissionState.REGISTERED,
            RecordStatus.REGISTERED,
            reason=f"registered (receipt {answer.receipt})",
            actor=answering.actor,
            flow_run_id=answering.flow_run_id,
            at=answering.now,
        )
        answering.report.registered += 1
        return
    submission.reason_code = (answer.reason_code or "")[:50] or None
    submission.reason = (answer.reason or "no reason given")[:500]
    submission_state.settle(
        session,
        submission,
        record,
        SubmissionState.REJECTED,
        RecordStatus.REGISTRY_FAILED,
        reason=f"registry: {submission.reason}"[:500],
        actor=answering.actor,
        flow_run_id=answering.flow_run_id,
        at=answering.now,
    )
    told = [ReshootReason.of_photo(PhotoReason.REGISTRY_REJECTED, submission.reason)]
    request_reshoot(
        session,
        record,
        source=ReshootSource.REGISTRY,
        attempt=session.get(PhotoAttempt, submission.attempt_id),
        reasons=told,
        actor=answering.actor,
        flow_run_id=answering.flow_run_id,
    )
    answering.report.rejected += 1
