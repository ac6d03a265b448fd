"""Held records: listing by filter, decisions one by one and in bulk, and what a decision may not do."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from photoflow.errors import PhotoflowError
from photoflow.roster.workbook import write_roster_workbook
from photoflow.similarity.held import HeldFilter, HoldDecision, decide_held, held_records
from photoflow.similarity.scoring import load_calibration
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import RecordEvent, StudentRecord
from schemas.similarity import Comparison, ComparisonKind, ComparisonOutcome
from tests.helpers import students, upload
from tests.similarity_helpers import batch_records, neutral, reviewed_photo

# (registry score, enrollment score) per student; None: no such comparison; "nf": not in the registry
HELD_BY = [(30.0, None), (72.5, None), (90.0, 45.0), (90.0, 60.0), ("nf", None)]


def held_with(engine, record_id: int, attempt_id: int, scores) -> None:
    """Hold a record with these comparison results, as stage 3 would have (scores chosen, not computed)."""
    with session_scope(engine) as session:
        for kind, score in zip((ComparisonKind.ID_REGISTRY, ComparisonKind.ENROLLMENT), scores, strict=True):
            if score is None:
                continue
            common = dict(
                record_id=record_id,
                attempt_id=attempt_id,
                kind=kind,
                model="Dlib",
                model_version="t",
                compared_by="stage-3",
            )
            if score == "nf":
                session.add(Comparison(outcome=ComparisonOutcome.REFERENCE_NOT_FOUND, **common))
                continue
            band = load_calibration().band(score)
            session.add(
                Comparison(outcome=ComparisonOutcome.SCORED, score=score, band=band, distance=0.1, **common)
            )
        record = session.get(StudentRecord, record_id)
        transition(session, record, RecordStatus.HELD, actor="stage-3", reason="held for an admin")


@pytest.fixture
def held(engine, settings, contract, tmp_path):
    """Five held students (see HELD_BY) and a sixth already collected."""
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", students(6, seed=5)))
    records = batch_records(engine)
    for index, record in enumerate(records):
        to = RecordStatus.COMPARING if index < 5 else RecordStatus.COLLECTED
        attempt = reviewed_photo(engine, settings, record.id, neutral(index + 1), to=to)
        if index < 5:
            held_with(engine, record.id, attempt, HELD_BY[index])
    return report.batch_id, records


def status_of(engine, record_id):
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def test_held_records_are_listed_most_doubtful_first_and_filtered_by_band_and_score(engine, held):
    batch_id, records = held
    everything = held_records(engine, HeldFilter(batch_id=batch_id))
    assert [item.score for item in everything] == [None, 30.0, 45.0, 60.0, 72.5]
    assert everything[0].comparisons[0].outcome == "reference_not_found"
    assert records[0].id_number not in json.dumps([item.model_dump() for item in everything])  # masked

    different = held_records(engine, HeldFilter(batch_id=batch_id, band="different"))
    assert {item.record_id for item in different} == {records[0].id, records[2].id}
    possible = held_records(engine, HeldFilter(batch_id=batch_id, band="possible", min_score=65))
    assert [item.record_id for item in possible] == [records[1].id]
    no_score = held_records(engine, HeldFilter(batch_id=batch_id, band="none"))
    assert [item.record_id for item in no_score] == [records[4].id]
    in_range = held_records(engine, HeldFilter(batch_id=batch_id, min_score=40, max_score=61))
    assert [item.score for item in in_range] == [45.0, 60.0]
    assert held_records(engine, HeldFilter(batch_id=batch_id + 1)) == []


def test_one_record_rejected_for_a_reshoot_and_one_submitted_anyway(engine, held):
    _, records = held
    rejected = decide_held(
        engine,
        HoldDecision.REJECT_RESHOOT,
        actor="admin-li",
        id_numbers=[records[0].id_number],
        note="not the same person",
    )
    submitted = decide_held(
        engine, HoldDecision.SUBMIT_ANYWAY, actor="admin-li", id_numbers=[records[1].id_number.lower()]
    )

    assert (rejected.decided, submitted.decided) == (1, 1)
    assert status_of(engine, records[0].id) == RecordStatus.RESHOOT_REQUESTED
    assert status_of(engine, records[1].id) == RecordStatus.COLLECTED
    with session_scope(engine) as session:
        event = session.exec(
            select(RecordEvent).where(RecordEvent.record_id == records[0].id).order_by(RecordEvent.id.desc())
        ).first()
    assert (event.actor, event.from_status, event.to_status) == (
        "admin-li",
        RecordStatus.HELD,
        RecordStatus.RESHOOT_REQUESTED,
    )
    assert event.reason == "驳回重拍 / Reject, reshoot: not the same person"


def test_bulk_decision_by_band_touches_only_the_matching_held_records(engine, held):
    batch_id, records = held
    report = decide_held(
        engine,
        HoldDecision.REJECT_RESHOOT,
        actor="admin-li",
        wanted=HeldFilter(batch_id=batch_id, band="different"),
    )

    assert sorted(report.records) == sorted([records[0].id, records[2].id])
    assert [status_of(engine, r.id) for r in records] == [
        RecordStatus.RESHOOT_REQUESTED,
        RecordStatus.HELD,
        RecordStatus.RESHOOT_REQUESTED,
        RecordStatus.HELD,
        RecordStatus.HELD,
        RecordStatus.COLLECTED,
    ]
    rest = decide_held(
        engine, HoldDecision.SUBMIT_ANYWAY, actor="admin-li", wanted=HeldFilter(batch_id=batch_id)
    )
    assert rest.decided == 3
    assert held_records(engine, HeldFilter(batch_id=batch_id)) == []


def test_a_record_that_is_not_held_is_skipped_not_moved(engine, held):
    _, records = held
    decide_held(engine, HoldDecision.SUBMIT_ANYWAY, actor="admin-a", id_numbers=[records[0].id_number])
    asked = [records[0].id_number, records[5].id_number, "110101199003074514"]
    second = decide_held(engine, HoldDecision.REJECT_RESHOOT, actor="admin-b", id_numbers=asked)

    assert second.decided == 0
    assert len(second.skipped) == 3
    assert sum("not held" in line for line in second.skipped) == 2
    assert sum("no such student" in line for line in second.skipped) == 1
    assert status_of(engine, records[0].id) == RecordStatus.COLLECTED  # admin-b did not undo admin-a
    assert status_of(engine, records[5].id) == RecordStatus.COLLECTED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "not both"),
        ({"id_numbers": ["x"], "wanted": HeldFilter(batch_id=1)}, "not both"),
        ({"wanted": HeldFilter()}, "needs --batch"),
        ({"wanted": HeldFilter(batch_id=1, band="maybe")}, "band 'maybe'"),
        ({"wanted": HeldFilter(batch_id=1, min_score=80, max_score=60)}, "empty"),
    ],
)
def test_a_decision_needs_records_or_a_batch_filter(engine, held, kwargs, message):
    with pytest.raises(PhotoflowError, match=message):
        decide_held(engine, HoldDecision.SUBMIT_ANYWAY, actor="admin", **kwargs)
