"""Screening: score every photo entering the manual queue and approve the clearly good ones.

Each interface scores the photo 0-100: the quality review (stage 1's margins), the tamper check (100
minus its tamper score, run here on the original file in the worker processes) and, when the
contract compares, the similarity score (the weakest of the comparisons, stored as stage 3's own).
`formula.combine` weighs them by the latest learnt success rates. A photo skips the queue only when
auto-approval is on, weights have been learnt from enough history, every interface scored, nothing
looks edited, the comparisons say "same person", no reviewer holds it and the score reaches the
threshold; anything else waits for a reviewer with the notes saying why. A screening missing an
interface (a reference photo not there yet) is redone on a later run while the photo is queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select
from sqlmodel import Session, col, select

from photoflow import storage
from photoflow.auto_approval.formula import combine
from photoflow.auto_approval.quality_score import quality_score
from photoflow.auto_approval.weights import current_weights, rates_of
from photoflow.job_progress import SCREENING, track
from photoflow.manual_review.decisions import auto_approve
from photoflow.settings import Settings
from photoflow.similarity.stage import EarlyComparison, compare_before_review
from photoflow.tamper.check import check_tamper
from photoflow.workers import run_jobs
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.manual_review import ManualReview
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord
from schemas.reports import ScreenedAttempt
from schemas.screening import ApprovalInterface as I
from schemas.screening import ApprovalWeights, Screening, ScreeningNote, ScreeningOutcome
from schemas.similarity import ComparisonOutcome, SimilarityBand

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class TamperJob:
    attempt_id: int
    original: Path
    file_name: str


def tamper_job(job: TamperJob) -> tuple[int, dict[str, Any]]:
    """The tamper check of one original, in a worker process; an empty result when the file is gone."""
    try:
        data = job.original.read_bytes()
    except OSError:
        return job.attempt_id, {}
    return job.attempt_id, check_tamper(data, name=job.file_name).as_dict()


def pending_screening(engine: Engine, batch_id: int) -> list[int]:
    """Queued attempts of the batch not screened yet, or screened before an interface could score."""
    statement = _unscreened(select(ManualReview.attempt_id)).where(ManualReview.batch_id == batch_id)
    with session_scope(engine) as session:
        return list(session.exec(statement.order_by(col(ManualReview.attempt_id))).all())


def batches_to_screen(engine: Engine) -> list[int]:
    """Batches with a queued photo not screened yet or screened before every interface could score."""
    with session_scope(engine) as session:
        return sorted(session.exec(_unscreened(select(ManualReview.batch_id)).distinct()).all())


def _unscreened(statement: _Query) -> _Query:
    return (
        statement.join(StudentRecord, col(StudentRecord.id) == ManualReview.record_id)
        .outerjoin(Screening, col(Screening.attempt_id) == ManualReview.attempt_id)
        .where(
            col(ManualReview.decision).is_(None),
            col(StudentRecord.status) == RecordStatus.IN_MANUAL_REVIEW,
            col(Screening.id).is_(None) | col(Screening.complete).is_(False),
        )
    )


def screen_attempts(
    engine: Engine, settings: Settings, attempt_ids: list[int], *, actor: str, flow_run_id: str | None = None
) -> list[ScreenedAttempt]:
    """Screen these queued attempts (others are skipped) and approve those that clear every bar."""
    queued = _queued(engine, settings, attempt_ids)
    if not queued:
        return []
    jobs = [item.job for item in queued if not item.tamper]
    tamper = dict(track(SCREENING, run_jobs(tamper_job, jobs, settings.photo_workers), len(jobs)))
    early = compare_before_review(
        engine, settings, [item.record_id for item in queued], actor=actor, flow_run_id=flow_run_id
    )
    weights = current_weights(engine, settings)
    screened: list[ScreenedAttempt] = []
    with session_scope(engine) as session:
        for item in queued:
            found = item.tamper or tamper.get(item.attempt_id, {})
            outcome = _screen_one(
                session, settings, item, found, early.get(item.record_id), weights, actor, flow_run_id
            )
            if outcome is not None:
                screened.append(outcome)
    return screened


@dataclass(frozen=True)
class Queued:
    review_id: int
    attempt_id: int
    record_id: int
    measurements: list[dict[str, Any]]
    tamper: dict[str, Any]  # from an earlier, incomplete screening
    job: TamperJob


def _queued(engine: Engine, settings: Settings, attempt_ids: list[int]) -> list[Queued]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(ManualReview, PhotoAttempt, AutoReview, Screening)
            .join(PhotoAttempt, col(PhotoAttempt.id) == ManualReview.attempt_id)
            .join(StudentRecord, col(StudentRecord.id) == ManualReview.record_id)
            .join(AutoReview, col(AutoReview.attempt_id) == ManualReview.attempt_id)
            .outerjoin(Screening, col(Screening.attempt_id) == ManualReview.attempt_id)
            .where(
                col(ManualReview.attempt_id).in_(attempt_ids),
                col(ManualReview.decision).is_(None),
                StudentRecord.status == RecordStatus.IN_MANUAL_REVIEW,
            )
            .order_by(col(ManualReview.attempt_id))
        ).all()
        return [
            Queued(
                review_id=stored_id(review),
                attempt_id=stored_id(attempt),
                record_id=review.record_id,
                measurements=auto.measurements,
                tamper=screening.tamper if screening else {},
                job=TamperJob(
                    stored_id(attempt),
                    storage.absolute(settings.data_dir, attempt.original_path),
                    attempt.file_name,
                ),
            )
            for review, attempt, auto, screening in rows
            if screening is None or not screening.complete
        ]


def _similarity(early: EarlyComparison | None) -> tuple[float | None, list[ScreeningNote], bool]:
    """(score, notes, complete): the weakest comparison, or why there is none yet."""
    if early is None or not early.compares:
        return None, [], True
    if early.waiting is not None:
        return None, [ScreeningNote.SIMILARITY_WAITING], False
    scored = [c.score for c in early.chain if c.outcome == ComparisonOutcome.SCORED and c.score is not None]
    same = len(scored) == len(early.chain) and all(c.band == SimilarityBand.SAME for c in early.chain)
    score = min(scored, default=0.0)
    return score, [] if same else [ScreeningNote.NOT_SAME_PERSON], True


def _screen_one(
    session: Session,
    settings: Settings,
    item: Queued,
    tamper: dict[str, Any],
    early: EarlyComparison | None,
    weights: ApprovalWeights | None,
    actor: str,
    flow_run_id: str | None,
) -> ScreenedAttempt | None:
    review = session.get(ManualReview, item.review_id, with_for_update=True)
    record = session.get(StudentRecord, item.record_id)
    assert review is not None and record is not None  # the queue row and its record, read above
    if review.decision is not None or record.status != RecordStatus.IN_MANUAL_REVIEW:
        return None  # a reviewer decided it meanwhile
    scores: dict[I, float] = {}
    quality = quality_score(item.measurements)
    if quality is not None:
        scores[I.QUALITY] = quality
    if tamper.get("score") is not None:
        scores[I.TAMPER] = round(100 - float(tamper["score"]), 1)
    similarity, notes, similarity_complete = _similarity(early)
    if similarity is not None:
        scores[I.SIMILARITY] = similarity
    complete = similarity_complete and I.QUALITY in scores and I.TAMPER in scores
    combined = combine(scores, rates_of(weights) if weights else {}) if scores else None
    if tamper.get("flagged"):
        notes.append(ScreeningNote.TAMPER_SUSPECTED)
    threshold = settings.auto_approve_threshold
    if threshold is None:
        notes.append(ScreeningNote.OFF)
    elif weights is None:
        notes.append(ScreeningNote.NO_WEIGHTS)
    elif combined is None or combined.score < threshold:
        notes.append(ScreeningNote.BELOW_THRESHOLD)
    held = (
        review.holder is not None
        and review.lease_expires_at is not None
        and review.lease_expires_at > utcnow()
    )
    if held:
        notes.append(ScreeningNote.HELD_BY_REVIEWER)
    auto = complete and not notes
    screening = session.exec(select(Screening).where(Screening.attempt_id == item.attempt_id)).first()
    screening = screening or Screening(
        attempt_id=item.attempt_id,
        record_id=item.record_id,
        batch_id=record.batch_id,
        outcome=ScreeningOutcome.TO_REVIEWER,
        complete=False,
        screened_by=actor,
    )
    screening.scores = {interface.value: value for interface, value in scores.items()}
    screening.weights = {i.value: w for i, w in combined.weights.items()} if combined else {}
    screening.weights_id = weights.id if weights else None
    screening.score = combined.score if combined else None
    screening.threshold = threshold
    screening.outcome = ScreeningOutcome.AUTO_APPROVED if auto else ScreeningOutcome.TO_REVIEWER
    screening.notes = [note.value for note in notes]
    screening.complete = complete
    screening.tamper = tamper
    screening.screened_at = utcnow()
    screening.screened_by = actor
    screening.flow_run_id = flow_run_id
    session.add(screening)
    if auto:
        assert combined is not None and threshold is not None and weights is not None  # else a note
        auto_approve(
            session,
            review,
            reason=approval_reason(combined.score, threshold, scores, combined.weights, weights),
            flow_run_id=flow_run_id,
        )
    return ScreenedAttempt(
        attempt_id=item.attempt_id,
        record_id=item.record_id,
        score=screening.score,
        outcome=screening.outcome.value,
        notes=screening.notes,
        tamper_flagged=bool(tamper.get("flagged")),
    )


def approval_reason(
    score: float, threshold: float, scores: dict[I, float], weights: dict[I, float], learnt: ApprovalWeights
) -> str:
    """E.g. 'auto-approved: combined score 93.1 >= threshold 90.0 (quality 88.0 x 0.31, ...; weights #4 of
    2026-11-20)': the event says which scores and which learnt weights let the photo through."""
    parts = ", ".join(
        f"{interface.value} {scores[interface]:.1f} x {weights[interface]:.2f}" for interface in scores
    )
    when = learnt.computed_at.date().isoformat()
    learnt_from = f"weights #{learnt.id} of {when}"
    return f"auto-approved: combined score {score:.1f} >= threshold {threshold:.1f} ({parts}; {learnt_from})"
