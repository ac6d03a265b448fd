"""Stage 1 for a batch: review every attempt waiting for it and move its record on.

The review itself (`check_photo`) runs in worker processes that each load the face models once; the
parent writes the verdicts, so the database has one writer. Each verdict and its record's moves are one
transaction, and an attempt that already has a verdict is never reviewed again: a rerun after a crash
picks up exactly the attempts left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from data_contracts.photo_spec import load_photo_spec
from photoflow import storage
from photoflow.face.analyzer import get_analyzer
from photoflow.job_progress import REVIEW, track
from photoflow.manual_review.queue import enqueue
from photoflow.photos.attempts import is_latest, latest_attempts
from photoflow.quality.overlay import write_overlay
from photoflow.quality.review import check_photo
from photoflow.reshoot.requests import ReshootReason, request_reshoot
from photoflow.settings import Settings
from photoflow.state import transition
from photoflow.workers import process_pool, run_jobs
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id, stored_ids
from schemas.photos import AutoReview, PhotoAttempt
from schemas.reasons import PhotoReason
from schemas.records import StudentRecord
from schemas.reports import ReviewedAttempt
from schemas.reshoots import ReshootSource

STORE_EVERY = 20


@dataclass(frozen=True)
class ReviewJob:
    """What a worker needs to review one attempt: plain values, so it crosses process boundaries."""

    attempt_id: int
    original: Path
    file_name: str
    spec_image: Path
    overlay: Path
    background: str | None


@dataclass(frozen=True)
class ReviewResult:
    attempt_id: int
    passed: bool
    reasons: list[str]
    measurements: list[dict[str, Any]]
    standardised: bool
    spec_image: Path | None
    overlay: Path | None


def review_job(job: ReviewJob) -> ReviewResult:
    """Review one attempt in this process (models load on the first call) and write its derived images."""
    spec = load_photo_spec()
    check = check_photo(
        job.original.read_bytes(),
        name=job.file_name,
        analyzer=get_analyzer(),
        spec=spec,
        background=job.background,
    )
    job.spec_image.parent.mkdir(parents=True, exist_ok=True)
    spec_image = overlay = None
    if check.spec_jpeg is not None:
        job.spec_image.write_bytes(check.spec_jpeg)
        spec_image = job.spec_image
    if not check.passed:
        overlay = write_overlay(check, spec, job.overlay)
    return ReviewResult(
        attempt_id=job.attempt_id,
        passed=check.passed,
        reasons=[reason.value for reason in check.reasons],
        measurements=[m.as_dict() for m in check.measurements],
        standardised=check.standardised,
        spec_image=spec_image,
        overlay=overlay,
    )


def pending_attempts(engine: Engine, batch_id: int) -> list[int]:
    """Latest attempts of the batch's records in automatic review that have no verdict yet."""
    latest = latest_attempts()
    statement = (
        select(col(PhotoAttempt.id))
        .join(latest, is_latest(latest))
        .join(StudentRecord, col(StudentRecord.id) == PhotoAttempt.record_id)
        .outerjoin(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
        .where(
            StudentRecord.batch_id == batch_id,
            StudentRecord.status == RecordStatus.IN_AUTO_REVIEW,
            col(AutoReview.id).is_(None),
        )
        .order_by(col(PhotoAttempt.id))
    )
    with session_scope(engine) as session:
        return stored_ids(session.exec(statement).all())


def review_attempts(
    engine: Engine, settings: Settings, attempt_ids: list[int], *, actor: str, flow_run_id: str | None = None
) -> list[ReviewedAttempt]:
    """Review the given attempts (skipping any already reviewed) and store the verdicts as they arrive.

    Verdicts are committed a few at a time (`STORE_EVERY`): one commit per photo costs a disk sync
    each; a crash loses at most the uncommitted few, which the next run reviews again.
    """
    jobs = _jobs(engine, settings, attempt_ids)
    reviewed: list[ReviewedAttempt] = []
    pending: list[ReviewResult] = []
    for result in track(REVIEW, run_jobs(review_job, jobs, settings.photo_workers), len(jobs)):
        pending.append(result)
        if len(pending) >= STORE_EVERY:
            reviewed += _store(engine, settings, pending, actor=actor, flow_run_id=flow_run_id)
            pending = []
    reviewed += _store(engine, settings, pending, actor=actor, flow_run_id=flow_run_id)
    return reviewed


def warm_up(workers: int) -> None:
    """Start the worker processes and load their models now, so the first chunk does not wait for it."""
    if workers > 1:
        list(process_pool(workers).map(_load_models, range(workers)))


def _load_models(_: int) -> None:
    get_analyzer()


def _jobs(engine: Engine, settings: Settings, attempt_ids: list[int]) -> list[ReviewJob]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(PhotoAttempt, StudentRecord)
            .join(StudentRecord, col(StudentRecord.id) == PhotoAttempt.record_id)
            .outerjoin(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
            .where(col(PhotoAttempt.id).in_(attempt_ids), col(AutoReview.id).is_(None))
            .order_by(col(PhotoAttempt.id))
        ).all()
        return [
            ReviewJob(
                attempt_id=stored_id(attempt),
                original=storage.absolute(settings.data_dir, attempt.original_path),
                file_name=attempt.file_name,
                spec_image=_derived(settings, record, attempt) / "spec.jpg",
                overlay=_derived(settings, record, attempt) / "overlay.png",
                background=settings.photo_background,
            )
            for attempt, record in rows
        ]


def _derived(settings: Settings, record: StudentRecord, attempt: PhotoAttempt) -> Path:
    assert record.id is not None  # a row read from the database
    return storage.derived(settings.data_dir, record.batch_id, record.id, attempt.attempt_no)


def _relative(settings: Settings, path: Path | None) -> str | None:
    return None if path is None else storage.stored(settings.data_dir, path)


def _store(
    engine: Engine, settings: Settings, results: list[ReviewResult], *, actor: str, flow_run_id: str | None
) -> list[ReviewedAttempt]:
    """Write the verdicts and move their records, in one transaction."""
    if not results:
        return []
    with session_scope(engine) as session:
        stored = (
            _store_one(session, settings, result, actor=actor, flow_run_id=flow_run_id) for result in results
        )
        return [outcome for outcome in stored if outcome is not None]


def _store_one(
    session: Session, settings: Settings, result: ReviewResult, *, actor: str, flow_run_id: str | None
) -> ReviewedAttempt | None:
    """One verdict; the record moves to the manual queue if it passed, to reshoot requested if not."""
    attempt = session.get(PhotoAttempt, result.attempt_id)
    assert attempt is not None  # a job made from this attempt's row
    record = session.get(StudentRecord, attempt.record_id)
    assert record is not None  # the attempt's record: a foreign key
    already = session.exec(select(AutoReview.id).where(AutoReview.attempt_id == attempt.id)).first()
    if already is not None or record.status != RecordStatus.IN_AUTO_REVIEW:
        return None
    session.add(
        AutoReview(
            attempt_id=result.attempt_id,
            passed=result.passed,
            reasons=result.reasons,
            measurements=result.measurements,
            standardised=result.standardised,
            spec_image_path=_relative(settings, result.spec_image),
            overlay_path=_relative(settings, result.overlay),
            reviewed_by=actor,
            flow_run_id=flow_run_id,
        )
    )
    moves: dict[str, Any] = dict(actor=actor, flow_run_id=flow_run_id)
    if result.passed:
        transition(
            session,
            record,
            RecordStatus.IN_MANUAL_REVIEW,
            reason=f"automatic review passed (attempt {attempt.attempt_no})",
            **moves,
        )
        enqueue(session, record, result.attempt_id)
    else:
        reasons = [PhotoReason(code) for code in result.reasons]
        summary = "; ".join(reason.en for reason in reasons)
        transition(
            session, record, RecordStatus.AUTO_REJECTED, reason=f"automatic review: {summary}", **moves
        )
        request_reshoot(
            session,
            record,
            source=ReshootSource.AUTO_REVIEW,
            attempt=attempt,
            reasons=[ReshootReason.of_photo(reason) for reason in reasons],
            **moves,
        )
    return ReviewedAttempt(
        attempt_id=result.attempt_id,
        record_id=attempt.record_id,
        file_name=attempt.file_name,
        passed=result.passed,
        reasons=result.reasons,
        status=record.status.value,
    )
