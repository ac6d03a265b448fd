"""Put collected records in line for the registry: one submission row per record and photo.

The row and its idempotency key are committed, and the record moved to 上网中, before anything is
sent; a crash after that point leaves a queued row that the next run sends under the same key.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import idnumber, storage
from photoflow.photos.attempts import SpecImage, current_spec_images
from photoflow.registry import submission_state
from photoflow.settings import Settings
from photoflow.state import transition
from schemas.db import write_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.records import StudentRecord
from schemas.registry_reports import SubmissionRound
from schemas.submissions import Submission, SubmissionState

KEYS = uuid.UUID("6d1f3c52-9a4e-4a8e-bb0e-2f6a51c0d7a1")  # namespace of photoflow's idempotency keys


def idempotency_key(record: StudentRecord, attempt_id: int, photo_sha256: str) -> str:
    """The same record and photo always give the same key; a new photo gives a new one."""
    return uuid.uuid5(KEYS, f"{record.institution_code}/{record.id_number}/{attempt_id}/{photo_sha256}").hex


def queue_collected(
    engine: Engine, settings: Settings, batch_id: int, *, actor: str, flow_run_id: str | None = None
) -> SubmissionRound:
    """Queue every collected record of the batch whose current photo has no submission yet."""
    report = SubmissionRound()
    with write_scope(engine) as session:
        records = session.exec(
            select(StudentRecord)
            .where(StudentRecord.batch_id == batch_id, StudentRecord.status == RecordStatus.COLLECTED)
            .order_by(col(StudentRecord.id))
            .with_for_update()
        ).all()
        specs = current_spec_images(session, [stored_id(record) for record in records])
        rows: list[dict[str, Any]] = []
        for record in records:
            assert record.id is not None  # read from the database
            row = _submission_row(settings, record, specs.get(record.id))
            if isinstance(row, str):
                report.problems.append(f"{idnumber.mask(record.id_number)}: {row}")
                continue
            rows.append(row)
            transition(
                session,
                record,
                RecordStatus.SUBMITTING,
                actor=actor,
                flow_run_id=flow_run_id,
                reason=f"queued for the registry (attempt {specs[record.id].attempt_no})",
            )
        submission_state.queue(session, rows, actor=actor, flow_run_id=flow_run_id)
        report.queued = len(rows)
    return report


def _submission_row(
    settings: Settings, record: StudentRecord, spec: SpecImage | None
) -> dict[str, Any] | str:
    """The submission of one record with its current spec image, or why it cannot be sent."""
    if spec is None:
        return "its latest attempt has no spec image; run automatic review again"
    photo = storage.absolute(settings.data_dir, spec.path)
    if not photo.is_file():
        return f"the spec image of attempt {spec.attempt_no} is missing; run automatic review again"
    sha256 = hashlib.sha256(photo.read_bytes()).hexdigest()
    return {
        "record_id": record.id,
        "attempt_id": spec.attempt_id,
        "batch_id": record.batch_id,
        "idempotency_key": idempotency_key(record, spec.attempt_id, sha256),
        "registry_key": record.id_number,
        "photo_path": spec.path,
        "photo_sha256": sha256,
    }


def resubmit_unreachable(
    engine: Engine,
    batch_id: int,
    *,
    actor: str,
    id_numbers: Sequence[str] = (),
    flow_run_id: str | None = None,
) -> int:
    """Put records that gave up on an unreachable registry back in line (all of the batch, or the named)."""
    with write_scope(engine) as session:
        statement = (
            select(Submission, StudentRecord)
            .join(StudentRecord, col(StudentRecord.id) == Submission.record_id)
            .where(
                Submission.batch_id == batch_id,
                Submission.state == SubmissionState.UNREACHABLE,
                StudentRecord.status == RecordStatus.REGISTRY_FAILED,
            )
            .with_for_update()
        )
        if id_numbers:
            wanted = [idnumber.normalise(raw) for raw in id_numbers]
            statement = statement.where(col(StudentRecord.id_number).in_(wanted))
        rows = session.exec(statement).all()
        for submission, record in rows:
            submission.tries = 0
            submission_state.requeue(
                session,
                submission,
                reason="put back in line after the registry was unreachable",
                actor=actor,
                flow_run_id=flow_run_id,
            )
            transition(
                session,
                record,
                RecordStatus.SUBMITTING,
                actor=actor,
                flow_run_id=flow_run_id,
                reason="sent to the registry again after it was unreachable",
            )
    return len(rows)
