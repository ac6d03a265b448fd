"""One queue item as a reviewer sees it: who, which photo, stage 1's findings, and its age."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import idnumber
from photoflow.errors import NotFoundError
from photoflow.manual_review.queue import sla_state
from photoflow.settings import Settings
from schemas.batches import Batch
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.institutions import Institution
from schemas.manual_review import ManualDecision, ManualReview
from schemas.measure_catalogue import measure_label
from schemas.photos import AutoReview, PhotoAttempt
from schemas.reasons import ManualRejectReason, TamperReason
from schemas.records import StudentRecord
from schemas.review_views import FindingOut, ReviewItemOut, ScreeningView
from schemas.screening import ApprovalInterface, Screening, ScreeningNote


def review_item(
    engine: Engine, settings: Settings, review_id: int, *, now: datetime | None = None
) -> ReviewItemOut:
    now = now or utcnow()
    with session_scope(engine) as session:
        review = session.get(ManualReview, review_id)
        if review is None:
            raise NotFoundError(f"photo {review_id} is not in the manual queue")
        record = session.get(StudentRecord, review.record_id)
        attempt = session.get(PhotoAttempt, review.attempt_id)
        assert record is not None and attempt is not None  # the queue row's foreign keys
        auto = session.exec(select(AutoReview).where(AutoReview.attempt_id == attempt.id)).first()
        screened = session.exec(select(Screening).where(Screening.attempt_id == attempt.id)).first()
        batch = session.get(Batch, record.batch_id)
        assert batch is not None  # the record's batch: a foreign key
        institution = session.get(Institution, batch.institution_code)
        assert institution is not None  # the batch's institution: a foreign key
        earlier = session.exec(
            select(ManualReview)
            .where(
                ManualReview.record_id == record.id,
                ManualReview.decision == ManualDecision.REJECTED,
                col(ManualReview.id) != review.id,
            )
            .order_by(col(ManualReview.id).desc())
        ).all()
    sla = sla_state(review.entered_at, now, settings.review_sla_days)
    return ReviewItemOut(
        review_id=review_id,
        record_id=review.record_id,
        attempt_id=review.attempt_id,
        attempt_no=attempt.attempt_no,
        name=record.name,
        id_number=idnumber.mask(record.id_number),
        institution=institution.name,
        batch_id=record.batch_id,
        department=record.department,
        major=record.major,
        class_name=record.class_name,
        file_name=idnumber.mask_in_text(attempt.file_name),
        entered_at=review.entered_at,
        age_hours=round((now - review.entered_at).total_seconds() / 3600, 1),
        sla=sla.value,
        sla_label=sla.label,
        lease_expires_at=review.lease_expires_at,
        has_overlay=bool(auto and auto.overlay_path),
        findings=[_finding(m) for m in (auto.measurements if auto else [])],
        screening=screening_view(screened) if screened else None,
        earlier_rejections=[_rejection(r) for r in earlier],
    )


def _finding(measurement: dict) -> FindingOut:
    return FindingOut(
        measure=measurement["measure"],
        label=measure_label(measurement["measure"]),
        value=None if measurement.get("value") is None else round(measurement["value"], 2),
        low=measurement.get("low"),
        high=measurement.get("high"),
        passed=bool(measurement.get("passed")),
    )


def _rejection(review: ManualReview) -> str:
    reasons = ", ".join(ManualRejectReason(code).label for code in review.reasons)
    return reasons + (f": {review.note}" if review.note else "")


def screening_view(screening: Screening) -> ScreeningView:
    tamper = screening.tamper or {}
    return ScreeningView(
        score=screening.score,
        scores={ApprovalInterface(name).label: value for name, value in screening.scores.items()},
        notes=[ScreeningNote(note).label for note in screening.notes],
        tamper_score=tamper.get("score"),
        tamper_flagged=bool(tamper.get("flagged")),
        tamper_findings=[
            f"{TamperReason(finding['reason']).label}: {finding.get('detail', '')}"
            for finding in tamper.get("findings", [])
        ],
    )
