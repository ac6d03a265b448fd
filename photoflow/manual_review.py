"""Stage 2 decisions: a reviewer approves a photo in the manual queue, and the record moves on.

Approval routes by contract: to comparison (stage 3) when the contract has a comparison service,
straight to collected when it has none. The reviewer queue with leases and rejection reasons builds on
this; here is the decision and its routing, which every way of approving shares.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session, select

from photoflow import idnumber
from photoflow.errors import PhotoflowError
from photoflow.state import transition
from schemas.batches import Batch
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import StudentRecord


def after_approval(session: Session, record: StudentRecord) -> RecordStatus:
    batch = session.get(Batch, record.batch_id)
    contract = session.exec(
        select(Contract).where(
            Contract.institution_code == batch.institution_code, Contract.category == batch.category
        )
    ).one()
    compares = contract.id_registry_comparison or contract.enrollment_comparison
    return RecordStatus.COMPARING if compares else RecordStatus.COLLECTED


def approve(
    engine: Engine,
    batch_id: int,
    *,
    actor: str,
    id_numbers: Sequence[str] = (),
    everyone: bool = False,
    flow_run_id: str | None = None,
) -> tuple[int, list[str]]:
    """Approve the named records of the batch, or its whole manual queue; returns (approved, skipped)."""
    if bool(id_numbers) == everyone:
        raise PhotoflowError(
            "name the students by ID number, or approve the whole queue with --all, not both"
        )
    skipped: list[str] = []
    approved = 0
    with session_scope(engine) as session:
        statement = select(StudentRecord).where(StudentRecord.batch_id == batch_id).with_for_update()
        if everyone:
            statement = statement.where(StudentRecord.status == RecordStatus.IN_MANUAL_REVIEW)
        else:
            wanted = [idnumber.normalise(raw) for raw in id_numbers]
            statement = statement.where(StudentRecord.id_number.in_(wanted))  # type: ignore[attr-defined]
            found = set(
                session.exec(
                    select(StudentRecord.id_number).where(
                        StudentRecord.batch_id == batch_id,
                        StudentRecord.id_number.in_(wanted),  # type: ignore[attr-defined]
                    )
                ).all()
            )
            skipped += [f"{idnumber.mask(n)}: not in batch {batch_id}" for n in wanted if n not in found]
        for record in session.exec(statement.order_by(StudentRecord.id)).all():
            if record.status != RecordStatus.IN_MANUAL_REVIEW:
                skipped.append(
                    f"{idnumber.mask(record.id_number)}: {record.status.label}, not in the manual queue"
                )
                continue
            target = after_approval(session, record)
            transition(session, record, target, actor=actor, reason="approved in manual review",
                       flow_run_id=flow_run_id)  # fmt: skip
            approved += 1
    return approved, skipped
