"""Stage 3 on real faces: comparison order, interception on and off, waiting, reruns, duplicate faces."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import func, select

from photoflow.manual_review.decisions import approve
from photoflow.roster.workbook import write_roster_workbook
from photoflow.similarity.duplicates import close_pairs, duplicate_faces, flag_duplicate_faces
from photoflow.similarity.stage import compare_records, comparing_records
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import RecordEvent, StudentRecord
from schemas.similarity import (
    Comparison,
    ComparisonKind,
    ComparisonOutcome,
    ComparisonWait,
    FaceEmbedding,
    ReferencePhoto,
    SimilarityBand,
)
from tests.helpers import students, upload
from tests.similarity_helpers import (
    batch_records,
    enrollment_photo,
    neutral,
    registry_folder,
    reviewed_photo,
    smiling,
)


def set_contract(engine, *, registry: bool, enrollment: bool, interception: bool) -> None:
    with session_scope(engine) as session:
        contract = session.exec(select(Contract)).one()
        contract.id_registry_comparison, contract.enrollment_comparison = registry, enrollment
        contract.interception = interception
        session.add(contract)


@pytest.fixture
def make_batch(engine, settings, contract, tmp_path, monkeypatch):
    """A batch with one student per photo given, each photographed and waiting in manual review."""
    monkeypatch.setattr(settings, "photo_workers", 1)

    def make(photos):
        rows = students(len(photos), seed=11)
        report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", rows))
        records = batch_records(engine)
        for photo, record in zip(photos, records, strict=True):
            reviewed_photo(engine, settings, record.id, photo, to=RecordStatus.IN_MANUAL_REVIEW)
        return report.batch_id, records

    return make


@pytest.fixture
def batch(make_batch):
    """Six students photographed with London neutral portraits 1-6."""
    return make_batch([neutral(person) for person in range(1, 7)])


def run(engine, settings, batch_id):
    return {
        item.record_id: item
        for item in compare_records(engine, settings, comparing_records(engine, batch_id), actor="stage-3")
    }


def status_of(engine, record_id) -> RecordStatus:
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def comparisons_of(engine, record_id) -> list[Comparison]:
    with session_scope(engine) as session:
        return list(
            session.exec(select(Comparison).where(Comparison.record_id == record_id).order_by(Comparison.id))
        )


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_registry_first_then_enrollment_and_interception_holds_the_doubtful(
    engine, settings, batch, tmp_path
):
    batch_id, records = batch
    set_contract(engine, registry=True, enrollment=True, interception=True)
    ids = [record.id_number for record in records]
    # 0: genuine everywhere; 1: the registry holds someone else; 2: registry genuine, enrollment someone
    # else; 3: not in the registry; 4: no enrollment photo yet; 5: genuine everywhere
    settings.id_registry = str(
        registry_folder(
            tmp_path / "registry",
            {
                ids[0]: smiling(1),
                ids[1]: smiling(41),
                ids[2]: smiling(3),
                ids[4]: smiling(5),
                ids[5]: smiling(6),
            },
        )
    )
    for index, person in ((0, 1), (1, 2), (2, 61), (3, 4), (5, 6)):
        enrollment_photo(engine, settings, records[index].id, smiling(person))
    approved, skipped = approve(engine, batch_id, actor="reviewer-1", everyone=True)
    assert (approved, skipped) == (6, [])

    outcome = run(engine, settings, batch_id)

    assert status_of(engine, records[0].id) == RecordStatus.COLLECTED
    assert [c.band for c in comparisons_of(engine, records[0].id)] == [
        SimilarityBand.SAME,
        SimilarityBand.SAME,
    ]
    assert all(c.score >= 85 for c in comparisons_of(engine, records[0].id))
    # the registry says "not the same": held, and the enrollment comparison never ran
    assert status_of(engine, records[1].id) == RecordStatus.HELD
    held_on_registry = comparisons_of(engine, records[1].id)
    assert [(c.kind, c.band) for c in held_on_registry] == [
        (ComparisonKind.ID_REGISTRY, SimilarityBand.DIFFERENT)
    ]
    assert held_on_registry[0].score <= 50
    assert status_of(engine, records[2].id) == RecordStatus.HELD
    assert [(c.kind, c.band) for c in comparisons_of(engine, records[2].id)] == [
        (ComparisonKind.ID_REGISTRY, SimilarityBand.SAME),
        (ComparisonKind.ENROLLMENT, SimilarityBand.DIFFERENT),
    ]
    assert status_of(engine, records[3].id) == RecordStatus.HELD
    [not_found] = comparisons_of(engine, records[3].id)
    assert (not_found.outcome, not_found.score, not_found.band) == (
        ComparisonOutcome.REFERENCE_NOT_FOUND,
        None,
        None,
    )
    # waiting for the enrollment photo: stays in comparison, nothing lost
    assert status_of(engine, records[4].id) == RecordStatus.COMPARING
    assert outcome[records[4].id].waiting == ComparisonWait.ENROLLMENT_PHOTO_MISSING.value
    assert [c.kind for c in comparisons_of(engine, records[4].id)] == [ComparisonKind.ID_REGISTRY]
    assert status_of(engine, records[5].id) == RecordStatus.COLLECTED

    with session_scope(engine) as session:
        held_event = session.exec(
            select(RecordEvent).where(
                RecordEvent.record_id == records[1].id, RecordEvent.to_status == RecordStatus.HELD
            )
        ).one()
    assert held_event.actor == "stage-3" and held_event.from_status == RecordStatus.COMPARING
    assert "非同一人" in held_event.reason and "ID-registry" in held_event.reason

    # a rerun after the enrollment photo arrives finishes record 4 and repeats nothing
    comparisons, embeddings = count(engine, Comparison), count(engine, FaceEmbedding)
    enrollment_photo(engine, settings, records[4].id, smiling(5))
    again = run(engine, settings, batch_id)
    assert list(again) == [records[4].id]
    assert status_of(engine, records[4].id) == RecordStatus.COLLECTED
    assert count(engine, Comparison) == comparisons + 1
    assert count(engine, FaceEmbedding) == embeddings  # the same file as its registry photo: embedded once
    assert run(engine, settings, batch_id) == {}


def test_interception_off_lets_every_record_go_on_whatever_its_score(engine, settings, batch):
    batch_id, records = batch
    set_contract(engine, registry=False, enrollment=True, interception=False)
    for index, record in enumerate(records[:2]):
        enrollment_photo(engine, settings, record.id, smiling(1 if index == 0 else 30))
    approve(engine, batch_id, actor="reviewer-1", id_numbers=[r.id_number for r in records[:2]])

    run(engine, settings, batch_id)

    assert status_of(engine, records[0].id) == RecordStatus.COLLECTED
    assert status_of(engine, records[1].id) == RecordStatus.COLLECTED
    [different] = comparisons_of(engine, records[1].id)
    assert different.band == SimilarityBand.DIFFERENT
    with session_scope(engine) as session:
        reason = session.exec(
            select(RecordEvent.reason).where(
                RecordEvent.record_id == records[1].id, RecordEvent.to_status == RecordStatus.COLLECTED
            )
        ).one()
    assert reason.startswith("interception off")
    assert (
        count(engine, ReferencePhoto) == 2
    )  # the registry was never asked: the contract has no such service


def test_without_a_registry_source_records_wait_and_are_reported(engine, settings, batch):
    batch_id, records = batch
    set_contract(engine, registry=True, enrollment=False, interception=True)
    approve(engine, batch_id, actor="reviewer-1", id_numbers=[records[0].id_number])
    assert settings.id_registry is None

    outcome = run(engine, settings, batch_id)

    assert outcome[records[0].id].waiting == ComparisonWait.REGISTRY_NOT_CONFIGURED.value
    assert status_of(engine, records[0].id) == RecordStatus.COMPARING
    assert count(engine, Comparison) == 0


def test_a_contract_without_comparisons_sends_approved_photos_straight_to_collected(engine, settings, batch):
    batch_id, records = batch
    stranger = "110101199003074514"
    approved, skipped = approve(
        engine, batch_id, actor="reviewer-1", id_numbers=[records[0].id_number, stranger]
    )
    assert (approved, skipped) == (1, [f"110101********4514: not in batch {batch_id}"])
    assert status_of(engine, records[0].id) == RecordStatus.COLLECTED
    assert comparing_records(engine, batch_id) == []


def test_one_face_for_two_students_is_flagged_once(engine, settings, make_batch):
    # the fourth student sent the first student's face (another photo of the same person)
    batch_id, records = make_batch([neutral(1), neutral(2), neutral(3), smiling(1)])

    [pair] = flag_duplicate_faces(engine, settings, batch_id)

    assert (pair.record_a, pair.record_b) == (records[0].id, records[3].id)
    assert pair.score >= 85
    assert records[0].name in pair.first and records[3].id_number not in pair.second  # masked
    assert flag_duplicate_faces(engine, settings, batch_id) == []  # a rerun flags nothing twice
    assert [(d.record_a, d.record_b) for d in duplicate_faces(engine, batch_id)] == [
        (records[0].id, records[3].id)
    ]


def test_close_pairs_matches_brute_force():
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(2500, 16)).astype(np.float32)
    vectors[1700] = vectors[3] + 0.01  # a near copy across a block boundary
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = {(i, j) for i, j, _ in close_pairs(vectors, 0.3)}
    similarity = vectors @ vectors.T
    expected = {(i, j) for i, j in zip(*np.nonzero(similarity >= 0.7), strict=True) if i < j}
    assert found == expected and (3, 1700) in found
