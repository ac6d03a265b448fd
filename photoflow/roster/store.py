"""Turn a checked roster into records, in one transaction with the upload row and its errors.

Rows already in the batch with identical details count as unchanged, so uploading the fixed roster
again adds only the rows that failed before. The same ID with different details is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from data_contracts.roster_columns import COLUMNS_BY_FIELD, ROSTER_FIELDS
from photoflow import state
from photoflow.roster.error_report import write_error_report
from photoflow.roster.problems import RowProblem, keep_first_per_cell
from photoflow.roster.reader import ROW
from photoflow.roster.row_checks import CheckedRoster
from photoflow.roster.staging import StagedFile
from schemas.batches import RosterRowError, RosterUpload
from schemas.enums import UploadStatus
from schemas.reasons import RosterProblem
from schemas.records import StudentRecord

REPORT_NAME = "errors.xlsx"  # beside the stored upload
COMPARED = tuple(f for f in ROSTER_FIELDS if f != "id_number")


@dataclass(frozen=True)
class UploadAuthor:
    actor: str
    flow_run_id: str | None


def store_checked(
    session: Session,
    *,
    batch_id: int,
    staged: StagedFile,
    checked: CheckedRoster,
    author: UploadAuthor,
) -> RosterUpload:
    """Insert the new records, log their creation, and record the upload; the caller commits."""
    existing = _existing_records(session, batch_id)
    new_rows: list[dict[str, Any]] = []
    problems = list(checked.problems)
    unchanged = 0
    for row in checked.accepted.iter_rows(named=True):
        earlier = existing.get(row["id_number"])
        if earlier is None:
            new_rows.append(row)
            continue
        differing = [COLUMNS_BY_FIELD[f].header for f in COMPARED if _stored(row[f]) != _stored(earlier[f])]
        if differing:
            problems.append(_conflict(row, earlier, differing))
        else:
            unchanged += 1
    problems = keep_first_per_cell(problems)
    failed = len({p.row for p in problems})
    report = staged.path.parent / REPORT_NAME if problems else None
    upload = RosterUpload(
        batch_id=batch_id,
        file_name=staged.file_name,
        stored_path=staged.stored_path,
        sha256=staged.sha256,
        size_bytes=staged.size_bytes,
        uploaded_by=author.actor,
        flow_run_id=author.flow_run_id,
        status=UploadStatus.ACCEPTED,
        total=checked.table.total,
        succeeded=len(new_rows),
        failed=failed,
        unchanged=unchanged,
        error_report_path=(Path(staged.stored_path).parent / REPORT_NAME).as_posix() if report else None,
    )
    session.add(upload)
    session.flush()
    assert upload.id is not None  # flushed
    state.admit(
        session,
        [_record_values(row, batch_id) for row in new_rows],
        upload_id=upload.id,
        actor=author.actor,
        reason=f"roster upload {upload.id}",
        flow_run_id=author.flow_run_id,
    )
    if report is not None:  # there were problems
        session.execute(insert(RosterRowError), [_error_values(p, upload.id) for p in problems])
        write_error_report(report, staged.file_name, problems)
    return upload


def record_refusal(
    session: Session,
    *,
    batch_id: int,
    staged: StagedFile | None,
    file_name: str,
    message: str,
    author: UploadAuthor,
) -> RosterUpload:
    """Keep a trace of a file refused as a whole, so the upload list shows it and why."""
    upload = RosterUpload(
        batch_id=batch_id,
        file_name=file_name,
        stored_path=staged.stored_path if staged else "",
        sha256=staged.sha256 if staged else "",
        size_bytes=staged.size_bytes if staged else 0,
        uploaded_by=author.actor,
        flow_run_id=author.flow_run_id,
        status=UploadStatus.REJECTED,
        error_message=message,
    )
    session.add(upload)
    session.flush()
    return upload


def _existing_records(session: Session, batch_id: int) -> dict[str, dict[str, Any]]:
    columns = [getattr(StudentRecord, f) for f in ROSTER_FIELDS]
    statement = select(col(StudentRecord.upload_id), col(StudentRecord.source_row), *columns).where(
        col(StudentRecord.batch_id) == batch_id
    )
    return {row.id_number: row._asdict() for row in session.execute(statement)}


def _stored(value: Any) -> str | None:
    """Compare as text: enum members, ints and strings from the roster must meet on equal terms."""
    return None if value is None else str(getattr(value, "value", value))


def _conflict(row: dict[str, Any], earlier: dict[str, Any], differing: list[str]) -> RowProblem:
    where = f"上传/upload {earlier['upload_id']} 第/row {earlier['source_row']}"
    return RowProblem(
        row=row[ROW],
        field="id_number",
        value=row["id_number"],
        problem=RosterProblem.DUPLICATE_IN_BATCH,
        detail=f"{where}: {'、'.join(differing)}",
    )


def _record_values(row: dict[str, Any], batch_id: int) -> dict[str, Any]:
    values = {f: row[f] for f in ROSTER_FIELDS}
    values.update(batch_id=batch_id, source_row=row[ROW])
    return values


def _error_values(problem: RowProblem, upload_id: int) -> dict[str, Any]:
    return {
        "upload_id": upload_id,
        "row": problem.row,
        "column": problem.header,
        "value": (problem.value or "")[:200] or None,
        "problem": problem.problem,
        "detail": problem.detail[:500],
    }
