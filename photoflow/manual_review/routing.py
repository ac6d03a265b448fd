"""Where an approved record goes next: comparison (stage 3) if its contract compares, else collected."""

from __future__ import annotations

from sqlmodel import Session, select

from schemas.batches import Batch
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import StudentRecord


def after_approval(session: Session, record: StudentRecord) -> RecordStatus:
    batch = session.get(Batch, record.batch_id)
    assert batch is not None  # the record's batch: a foreign key
    contract = session.exec(
        select(Contract).where(
            Contract.institution_code == batch.institution_code, Contract.category == batch.category
        )
    ).one()
    compares = contract.id_registry_comparison or contract.enrollment_comparison
    return RecordStatus.COMPARING if compares else RecordStatus.COLLECTED
