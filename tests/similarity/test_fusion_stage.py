"""Stage 3 holds a suspected face fusion for an admin, whatever the contract says about interception."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from sqlmodel import select

from photoflow.manual_review.decisions import approve
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.fraud_edits import morph, save_jpeg
from photoflow.similarity.held import HeldFilter, held_records
from photoflow.similarity.stage import compare_records, comparing_records
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import RecordEvent, StudentRecord
from schemas.screening import FusionSuspicion
from tests.helpers import students, upload
from tests.similarity_helpers import batch_records, enrollment_photo, neutral, reviewed_photo, smiling


def rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.fixture
def batch(engine, settings, contract, tmp_path, monkeypatch):
    """London persons 10, 11, 12; the first one's photo is a morph of 10 and 11 (11 is in the batch).

    Enrollment comparison with interception off: a dubious score would go on unheld.
    """
    monkeypatch.setattr(settings, "photo_workers", 1)
    with session_scope(engine) as session:
        agreed = session.exec(select(Contract)).one()
        agreed.enrollment_comparison, agreed.interception = True, False
        session.add(agreed)
    fused = tmp_path / "fused.jpg"
    fused.write_bytes(save_jpeg(morph(rgb(neutral(10)), rgb(neutral(11))), 92))
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", students(3)))
    records = batch_records(engine)
    for record, photo, reference in zip(
        records, [fused, neutral(11), neutral(12)], [smiling(10), smiling(11), smiling(12)], strict=True
    ):
        reviewed_photo(engine, settings, record.id, photo, to=RecordStatus.IN_MANUAL_REVIEW)
        enrollment_photo(engine, settings, record.id, reference)
    approve(engine, report.batch_id, actor="reviewer", everyone=True)
    return report.batch_id, records


def status_of(engine, record_id) -> RecordStatus:
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def test_a_morph_of_two_students_is_held_naming_the_other_and_genuine_photos_go_on(engine, settings, batch):
    batch_id, (fused, victim, bystander) = batch

    compare_records(engine, settings, comparing_records(engine, batch_id), actor="stage-3")

    assert status_of(engine, fused.id) == RecordStatus.HELD
    assert status_of(engine, victim.id) == RecordStatus.COLLECTED
    assert status_of(engine, bystander.id) == RecordStatus.COLLECTED
    with session_scope(engine) as session:
        suspicions = {s.record_id: s for s in session.exec(select(FusionSuspicion))}
        reason = session.exec(
            select(RecordEvent.reason).where(
                RecordEvent.record_id == fused.id, RecordEvent.to_status == RecordStatus.HELD
            )
        ).one()
    assert suspicions[fused.id].flagged and suspicions[fused.id].nearest_other_record == victim.id
    assert suspicions[fused.id].findings[0]["reason"] == "second_identity"
    assert not suspicions[victim.id].flagged and not suspicions[bystander.id].flagged
    assert reason.startswith("held for an admin: face fusion suspected")
    [held] = held_records(engine, HeldFilter(batch_id=batch_id))
    assert held.record_id == fused.id and f"record {victim.id}" in held.fusion_suspected

    compare_records(engine, settings, comparing_records(engine, batch_id), actor="stage-3")  # a rerun
    with session_scope(engine) as session:
        assert len(session.exec(select(FusionSuspicion)).all()) == 3
