"""Looking at uploads after the fact, and deleting one: records without a photo go, the rest stay."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session, col

from photoflow import idnumber
from photoflow.errors import NotFoundError, PhotoflowError
from schemas.batches import Batch, RosterRowError, RosterUpload
from schemas.clock import utcnow
from schemas.enums import RecordStatus, UploadStatus
from schemas.ids import stored_id, stored_ids
from schemas.outputs import from_row
from schemas.reasons import roster_reason
from schemas.records import RecordEvent, StudentRecord
from schemas.reports import DeleteReport, KeptRecord, RowErrorOut, UploadReport


def _upload(session: Session, upload_id: int) -> RosterUpload:
    upload = session.get(RosterUpload, upload_id)
    if upload is None:
        raise NotFoundError(f"there is no roster upload {upload_id}: `photoflow roster list` shows them")
    return upload


def upload_report(session: Session, upload_id: int) -> UploadReport:
    upload = _upload(session, upload_id)
    batch = session.get(Batch, upload.batch_id)
    assert batch is not None  # the upload's batch: a foreign key
    errors = session.scalars(
        select(RosterRowError)
        .where(col(RosterRowError.upload_id) == upload_id)
        .order_by(col(RosterRowError.id))
    ).all()
    return from_row(
        UploadReport,
        upload,
        upload_id=stored_id(upload),
        institution=batch.institution_code,
        category=batch.category.zh,
        status=upload.status.value,
        status_label=upload.status.label,
        error_report=upload.error_report_path,
        errors=[_error_out(error) for error in errors],
    )


def _error_out(error: RosterRowError) -> RowErrorOut:
    reason, reason_en, hint = roster_reason(error.problem, error.detail)
    return RowErrorOut(
        row=error.row,
        column=error.column,
        value=error.value,
        reason=reason,
        reason_en=reason_en,
        code=error.problem.value,
        hint=hint,
    )


def list_uploads(session: Session, institution_code: str | None = None) -> list[UploadReport]:
    statement = (
        select(col(RosterUpload.id))
        .join(Batch, col(Batch.id) == RosterUpload.batch_id)
        .order_by(col(RosterUpload.id))
    )
    if institution_code:
        statement = statement.where(col(Batch.institution_code) == institution_code)
    return [
        upload_report(session, upload_id).model_copy(update={"errors": []})
        for upload_id in stored_ids(session.scalars(statement))
    ]


def delete_upload(session: Session, upload_id: int, *, actor: str) -> DeleteReport:
    """Remove the upload's records still awaiting a photo; keep (and name) those already past that."""
    upload, removable, kept = _deletion(session, upload_id)
    for start in range(0, len(removable), 1000):
        chunk = removable[start : start + 1000]
        session.execute(delete(RecordEvent).where(col(RecordEvent.record_id).in_(chunk)))
        session.execute(delete(StudentRecord).where(col(StudentRecord.id).in_(chunk)))
    upload.status = UploadStatus.DELETED
    upload.deleted_at = utcnow()
    upload.deleted_by = actor
    session.add(upload)
    return DeleteReport(upload_id=upload_id, removed=len(removable), kept=kept)


def deletion_preview(session: Session, upload_id: int) -> DeleteReport:
    """What `delete_upload` would remove and keep, changing nothing: the CLI asks with it first."""
    _, removable, kept = _deletion(session, upload_id)
    return DeleteReport(upload_id=upload_id, removed=len(removable), kept=kept)


def _deletion(session: Session, upload_id: int) -> tuple[RosterUpload, list[int], list[KeptRecord]]:
    """The upload, the ids of its records still awaiting a photo, and the records it would keep."""
    upload = _upload(session, upload_id)
    if upload.status is not UploadStatus.ACCEPTED:
        raise PhotoflowError(
            f"roster upload {upload_id} is {upload.status.label}: there is nothing to delete"
        )
    records = session.scalars(
        select(StudentRecord)
        .where(col(StudentRecord.upload_id) == upload_id)
        .order_by(col(StudentRecord.source_row))
    ).all()
    removable = [stored_id(r) for r in records if r.status is RecordStatus.AWAITING_PHOTO]
    kept = [
        KeptRecord(
            record_id=stored_id(r),
            row=r.source_row,
            id_number=idnumber.mask(r.id_number),
            status=r.status.value,
            reason=f"已有照片，状态为{r.status.zh} / has a photo, status {r.status.en}",
        )
        for r in records
        if r.status is not RecordStatus.AWAITING_PHOTO
    ]
    return upload, removable, kept
