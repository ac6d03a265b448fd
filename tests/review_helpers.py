"""Builders for the manual queue: students of a roster whose photos wait for a reviewer."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from photoflow.manual_review.decisions import approve, decide
from photoflow.manual_review.queue import claim, enqueue
from photoflow.sandbox.seeding import ingest_sample_roster, sample_contract
from photoflow.sandbox.seeding import passed_attempt as sandbox_attempt
from photoflow.settings import Settings
from photoflow.similarity.scoring import load_calibration
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.manual_review import ManualDecision, ManualReview
from schemas.photos import PhotoAttempt
from schemas.reasons import ManualRejectReason
from schemas.records import StudentRecord
from schemas.similarity import Comparison, ComparisonKind, ComparisonOutcome, ReferencePhoto
from tests.helpers import INSTITUTION, INSTITUTION_NAME
from tests.registry_helpers import spec_sized_jpeg

SECOND_INSTITUTION = "10002"
INSTITUTION_NAMES = {INSTITUTION: INSTITUTION_NAME, SECOND_INSTITUTION: "第二测试学院"}


def second_institution(engine: Engine) -> None:
    """A contract for a second institution, whose students `manual_queue` can upload as well."""
    sample_contract(engine, SECOND_INSTITUTION, INSTITUTION_NAMES[SECOND_INSTITUTION])


def manual_queue(
    engine: Engine,
    settings: Settings,
    folder: Path,
    count: int,
    *,
    photo: Path | None = None,
    seed: int = 11,
    institution: str = INSTITUTION,
) -> list[int]:
    """Upload a roster of `count` students and put one attempt of each in the manual queue.

    With `photo`, each attempt's original and spec image are copies of it in the data folder (so the
    pages can show them); without, the attempts name files that do not exist (enough for the queue).
    Returns the queue's review ids, oldest first.
    """
    name = INSTITUTION_NAMES[institution]
    _, report = ingest_sample_roster(
        engine, settings, folder, institution, name, count, seed=seed, author="test-admin"
    )
    with session_scope(engine) as session:
        records = session.exec(
            select(StudentRecord).where(StudentRecord.batch_id == report.batch_id).order_by(StudentRecord.id)
        ).all()
        for record in records:
            attempt = passed_attempt(session, settings, record, photo.read_bytes() if photo else None)
            enqueue(session, record, attempt.id)
        session.flush()
        return list(
            session.exec(
                select(ManualReview.id)
                .where(col(ManualReview.record_id).in_([r.id for r in records]))
                .order_by(ManualReview.id)
            ).all()
        )


def hold(engine: Engine, settings: Settings, review_id: int, *, score: float, reference: Path) -> int:
    """Approve the queue item and hold its record after an enrollment comparison scoring `score` (< 85)."""
    band = load_calibration().band(score)
    with session_scope(engine) as session:
        review = session.get(ManualReview, review_id)
        record = session.get(StudentRecord, review.record_id)
        review.decision, review.decided_by = ManualDecision.APPROVED, "test"
        session.add(review)
        transition(session, record, RecordStatus.COMPARING, actor="test")
        transition(session, record, RecordStatus.HELD, actor="test")
        relative = Path("references") / f"{record.id}-enrollment.jpg"
        (settings.data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference, settings.data_dir / relative)
        session.add(
            ReferencePhoto(
                record_id=record.id,
                kind=ComparisonKind.ENROLLMENT,
                sha256="1" * 64,
                size_bytes=1,
                path=relative.as_posix(),
                source="test.zip",
                received_by="test",
            )
        )
        session.add(
            Comparison(
                record_id=record.id,
                attempt_id=review.attempt_id,
                kind=ComparisonKind.ENROLLMENT,
                outcome=ComparisonOutcome.SCORED,
                model="Dlib",
                model_version="test",
                score=score,
                band=band,
                compared_by="test",
            )
        )
        return record.id


def passed_attempt(
    session: Session, settings: Settings, record: StudentRecord, photo: bytes | None
) -> PhotoAttempt:
    """What intake and a passing stage 1 leave: attempt 1 of the record, its verdict and (with `photo`)
    its spec image in the data folder; the record moves on to manual review."""
    return sandbox_attempt(
        session,
        settings.data_dir,
        record,
        spec=photo,
        file_name=f"{record.id}.jpg",
        sha256="0" * 64,
        size_bytes=1,
        actor="test",
        measurements=[
            {"measure": "yaw", "value": 2.5, "low": -10, "high": 10, "passed": True, "reason": None}
        ],
    )


def collected(engine: Engine, settings: Settings, folder: Path, count: int) -> int:
    """`count` students of a new batch with spec-sized photos, approved straight to collected (the
    contract has no comparison); returns the batch id."""
    photo = folder / "spec.jpg"
    photo.write_bytes(spec_sized_jpeg(1))
    manual_queue(engine, settings, folder, count, photo=photo)
    with session_scope(engine) as session:
        batch_id = session.exec(select(StudentRecord.batch_id)).first()
    approve(engine, batch_id, actor="test", everyone=True)
    return batch_id


def alice_rejects(
    engine: Engine, review_id: int, *reasons: ManualRejectReason, note: str = ""
) -> RecordStatus:
    """Reviewer alice rejects this photo of the manual queue (which she must hold) for `reasons`;
    returns the status the record moves to."""
    return decide(
        engine,
        review_id,
        reviewer="alice",
        decision=ManualDecision.REJECTED,
        reasons=list(reasons),
        note=note,
    )


def reject(engine: Engine, review_ids: list[int]) -> None:
    """A reviewer claims and rejects these photos of the manual queue (bad lighting)."""
    claim(engine, reviewer="alice", limit=len(review_ids), lease=timedelta(minutes=15))
    for review_id in review_ids:
        alice_rejects(engine, review_id, ManualRejectReason.LIGHTING)
