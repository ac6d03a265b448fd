"""Screening on real photos: scores, auto-approval above the threshold, and why others go to reviewers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from photoflow.auto_approval.screening import batches_to_screen, pending_screening, screen_attempts
from photoflow.manual_review.decisions import AUTO_APPROVER
from photoflow.manual_review.queue import claim
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.fraud_edits import with_software_tag
from photoflow.similarity.stage import compare_records, comparing_records
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.manual_review import ManualReview
from schemas.photos import AutoReview
from schemas.records import RecordEvent, StudentRecord
from schemas.screening import (
    ApprovalWeights,
    FusionSuspicion,
    Screening,
    ScreeningNote,
    ScreeningOutcome,
)
from schemas.similarity import Comparison
from tests.helpers import students, upload
from tests.similarity_helpers import batch_records, enrollment_photo, neutral, reviewed_photo, smiling

# what stage 1 measured on London portrait 1 (the measures reviewers also judge)
MEASURED = [
    {"measure": "yaw", "value": -4.77, "low": -12.0, "high": 12.0, "passed": True},
    {"measure": "pitch", "value": 4.73, "low": -18.0, "high": 18.0, "passed": True},
    {"measure": "eye_opening", "value": 0.351, "low": 0.17, "high": None, "passed": True},
    {"measure": "teeth", "value": 0.0, "low": None, "high": 0.025, "passed": True},
    {"measure": "smile", "value": 0.06, "low": None, "high": 0.8, "passed": True},
    {"measure": "sharpness", "value": 207.3, "low": 60.0, "high": None, "passed": True},
    {"measure": "light_balance", "value": 1.03, "low": None, "high": 1.45, "passed": True},
]


def set_contract(engine, *, enrollment: bool) -> None:
    with session_scope(engine) as session:
        contract = session.exec(select(Contract)).one()
        contract.enrollment_comparison = enrollment
        session.add(contract)


@pytest.fixture
def queue(engine, settings, contract, tmp_path, monkeypatch):
    """Students whose photos (given per student) passed stage 1 and wait in the manual queue."""
    monkeypatch.setattr(settings, "photo_workers", 1)

    def make(photos: list[Path]):
        report = upload(
            engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", students(len(photos)))
        )
        records = batch_records(engine)
        for photo, record in zip(photos, records, strict=True):
            reviewed_photo(engine, settings, record.id, photo, to=RecordStatus.IN_MANUAL_REVIEW)
        with session_scope(engine) as session:
            for review in session.exec(select(AutoReview)):
                review.measurements = MEASURED
                session.add(review)
        return report.batch_id, records

    return make


def learnt(engine, settings, monkeypatch, threshold: float) -> None:
    """Auto-approval on at `threshold`, with weights learnt from enough (pretend) history."""
    monkeypatch.setattr(settings, "auto_approve_threshold", threshold)
    with session_scope(engine) as session:
        session.add(
            ApprovalWeights(
                computed_by="test",
                decided=settings.approval_min_history,
                rates={"quality": {"rate": 0.7}, "similarity": {"rate": 0.95}, "tamper": {"rate": 0.9}},
            )
        )


def screen(engine, settings, batch_id):
    screened = screen_attempts(engine, settings, pending_screening(engine, batch_id), actor="ops")
    return {item.record_id: item for item in screened}


def status_of(engine, record_id) -> RecordStatus:
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def test_with_auto_approval_off_every_photo_is_scored_and_goes_to_a_reviewer(engine, settings, queue):
    batch_id, records = queue([neutral(1), neutral(2)])

    screened = screen(engine, settings, batch_id)

    assert {item.outcome for item in screened.values()} == {ScreeningOutcome.TO_REVIEWER.value}
    assert all(item.notes == [ScreeningNote.OFF.value] for item in screened.values())
    with session_scope(engine) as session:
        rows = session.exec(select(Screening)).all()
        assert {tuple(sorted(row.scores)) for row in rows} == {("quality", "tamper")}  # no comparison
        assert all(row.complete and not row.tamper["flagged"] for row in rows)
        assert all(row.scores["tamper"] > 50 and 50 < row.scores["quality"] <= 100 for row in rows)
    assert {status_of(engine, r.id) for r in records} == {RecordStatus.IN_MANUAL_REVIEW}
    assert pending_screening(engine, batch_id) == [] and batches_to_screen(engine) == []
    assert screen(engine, settings, batch_id) == {}  # a rerun screens nothing twice


def test_clear_photos_skip_the_queue_and_the_rest_say_why(engine, settings, queue, tmp_path, monkeypatch):
    set_contract(engine, enrollment=True)
    tagged = tmp_path / "tagged.jpg"
    tagged.write_bytes(with_software_tag(neutral(3).read_bytes(), "Adobe Photoshop 25.0 (Windows)"))
    batch_id, records = queue([neutral(1), neutral(2), tagged])
    for record, reference in zip(records, [smiling(1), smiling(30), smiling(3)], strict=True):
        enrollment_photo(engine, settings, record.id, reference)
    learnt(engine, settings, monkeypatch, threshold=70.0)

    screened = screen(engine, settings, batch_id)

    same, other, edited = (screened[r.id] for r in records)
    assert same.outcome == ScreeningOutcome.AUTO_APPROVED.value and same.score >= 70
    assert (
        ScreeningNote.NOT_SAME_PERSON.value in other.notes
        and other.outcome == ScreeningOutcome.TO_REVIEWER.value
    )
    assert edited.tamper_flagged and ScreeningNote.TAMPER_SUSPECTED.value in edited.notes
    assert status_of(engine, records[0].id) == RecordStatus.COMPARING
    assert {status_of(engine, r.id) for r in records[1:]} == {RecordStatus.IN_MANUAL_REVIEW}
    with session_scope(engine) as session:
        review = session.exec(select(ManualReview).where(ManualReview.record_id == records[0].id)).one()
        moved = (RecordEvent.record_id == records[0].id) & (RecordEvent.to_status == RecordStatus.COMPARING)
        event = session.exec(select(RecordEvent).where(moved)).one()
        compared = session.exec(select(func.count()).select_from(Comparison)).one()
    assert review.decided_by == AUTO_APPROVER and event.actor == AUTO_APPROVER
    assert event.reason.startswith("auto-approved: combined score") and "similarity" in event.reason

    # stage 3 decides with the comparison screening stored: nothing is compared twice
    compare_records(engine, settings, comparing_records(engine, batch_id), actor="stage-3")
    assert status_of(engine, records[0].id) == RecordStatus.COLLECTED
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Comparison)).one() == compared
        fusion = session.exec(select(FusionSuspicion)).one()  # the fusion check still ran on it
    assert fusion.record_id == records[0].id and not fusion.flagged


def test_a_photo_waiting_for_its_reference_is_screened_again_when_it_arrives(
    engine, settings, queue, monkeypatch
):
    set_contract(engine, enrollment=True)
    batch_id, [record] = queue([neutral(4)])
    learnt(engine, settings, monkeypatch, threshold=70.0)

    [first] = screen(engine, settings, batch_id).values()
    assert first.outcome == ScreeningOutcome.TO_REVIEWER.value
    assert first.notes == [ScreeningNote.SIMILARITY_WAITING.value]
    assert batches_to_screen(engine) == [batch_id]

    enrollment_photo(engine, settings, record.id, smiling(4))
    [second] = screen(engine, settings, batch_id).values()

    assert second.outcome == ScreeningOutcome.AUTO_APPROVED.value
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Screening)).one() == 1  # updated in place


def test_a_photo_a_reviewer_holds_stays_with_the_reviewer(engine, settings, queue, monkeypatch):
    batch_id, [record] = queue([neutral(5)])
    learnt(engine, settings, monkeypatch, threshold=10.0)
    claim(engine, reviewer="alice", limit=1, lease=timedelta(minutes=15))

    [item] = screen(engine, settings, batch_id).values()

    assert item.notes == [ScreeningNote.HELD_BY_REVIEWER.value]
    assert status_of(engine, record.id) == RecordStatus.IN_MANUAL_REVIEW


def test_a_low_combined_score_goes_to_a_reviewer(engine, settings, queue, monkeypatch):
    batch_id, [record] = queue([neutral(6)])
    learnt(engine, settings, monkeypatch, threshold=99.9)

    [item] = screen(engine, settings, batch_id).values()

    assert item.notes == [ScreeningNote.BELOW_THRESHOLD.value] and item.score < 99.9
    assert status_of(engine, record.id) == RecordStatus.IN_MANUAL_REVIEW


def test_a_missing_original_is_not_an_error_and_is_not_auto_approved(engine, settings, queue, monkeypatch):
    batch_id, _ = queue([neutral(7)])
    learnt(engine, settings, monkeypatch, threshold=10.0)
    for path in (settings.data_dir / "photos").rglob("spec.jpg"):
        path.unlink()

    [item] = screen(engine, settings, batch_id).values()

    assert item.outcome == ScreeningOutcome.TO_REVIEWER.value
    with session_scope(engine) as session:
        assert not session.exec(select(Screening)).one().complete
    assert item.score is not None  # quality still scored it
