"""Export jobs: an export is a row before it is a file, and a flow turns the row into a workbook.

- The row is written first (queued) with the filter it was asked with, so every export is listed and
  says what it holds even if its run never starts. A run moves it to processing, then to done (rows,
  file) or to failed (a reason for people).
- Done and failed are final: running one again returns it as it is, so a repeated or retried flow
  never rewrites a workbook someone may already have downloaded. One left processing (its run
  crashed) is done again from the start.
- Each run writes a file of its own under a fresh name, and only the run that records the export
  done keeps its file: two runs at once never leave the row pointing at the other run's rows.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from xlsxwriter.exceptions import XlsxWriterException

from photoflow import idnumber, storage
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.exports import export_state
from photoflow.exports.export_state import FINAL
from photoflow.exports.workbook import write_records_workbook
from photoflow.institution_contracts import require_batch
from photoflow.records_filter import RecordFilter
from photoflow.settings import Settings
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.deliverables import ExportJob, ExportStatus
from schemas.export_reports import ExportOut
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.records import StudentRecord

log = logging.getLogger(__name__)

MAX_ERROR = 500  # ExportJob.error's length


def request_export(engine: Engine, batch_id: int, wanted: RecordFilter, *, actor: str) -> ExportOut:
    """Record an export of the batch's records matching `wanted`, queued for `run_export`."""
    wanted.check()
    if wanted.batch_id not in (None, batch_id):
        raise PhotoflowError(f"the filter is for batch {wanted.batch_id}, the export for batch {batch_id}")
    with session_scope(engine) as session:
        require_batch(session, batch_id)
        job = export_state.request(
            session, actor=actor, batch_id=batch_id, filters=replace(wanted, batch_id=batch_id).as_dict()
        )
        return export_out(job)


def run_export(
    engine: Engine, settings: Settings, export_id: int, *, flow_run_id: str | None = None
) -> ExportOut:
    """Write the export's workbook and record it done, or failed with why; a final export is returned as is.

    Expected failures (the disk, the stored filter) are recorded and returned; anything else is
    recorded too, then raised, so a bug fails its flow run with a traceback."""
    run = _Run(settings.actor, flow_run_id)
    job = _claim(engine, export_id, run)
    if job.status in FINAL:
        return export_out(job)
    target = storage.exports_dir(settings.data_dir, job.batch_id) / _file_name(job)
    relative = storage.stored(settings.data_dir, target)
    try:
        rows = _write(engine, target, RecordFilter.from_dict(job.filters))
    except (OSError, XlsxWriterException, PhotoflowError, ValueError) as error:
        _discard(target)
        return _finish(engine, export_id, run, error=_reason(error, relative))
    except Exception as error:
        _discard(target)
        _finish(engine, export_id, run, error=f"unexpected {type(error).__name__}: {error}")
        raise
    out = _finish(engine, export_id, run, rows=rows, path=relative)
    if out.path != relative:  # another run finished it first: its file is the export's
        _discard(target)
    return out


def list_exports(engine: Engine, *, batch_id: int | None = None, limit: int = 200) -> list[ExportOut]:
    """Exports, newest first (of one batch, or of all)."""
    statement = select(ExportJob)
    if batch_id is not None:
        statement = statement.where(ExportJob.batch_id == batch_id)
    statement = statement.order_by(col(ExportJob.requested_at).desc(), col(ExportJob.id).desc())
    with session_scope(engine) as session:
        return [export_out(job) for job in session.exec(statement.limit(limit)).all()]


def get_export(engine: Engine, export_id: int) -> ExportOut:
    with session_scope(engine) as session:
        return export_out(_require(session, export_id))


def export_file(engine: Engine, settings: Settings, export_id: int) -> Path:
    """The workbook of a done export, to download again; a refusal that says why when there is none."""
    with session_scope(engine) as session:
        job = _require(session, export_id)
    if job.status is not ExportStatus.DONE or job.path is None:
        why = f": {job.error}" if job.error else ""
        raise PhotoflowError(
            f"export {export_id} is {job.status.en.lower()}{why}; only a done export "
            "has a workbook (`photoflow export list` shows each one's status)"
        )
    path = storage.existing_file(settings.data_dir, job.path)
    if path is None:
        raise PhotoflowError(
            f"the workbook of export {export_id} ({job.path}) is no longer in the data folder: "
            f"request the export again (`photoflow export --batch {job.batch_id}` with its filters)"
        )
    return path


def export_out(job: ExportJob) -> ExportOut:
    """The record as shown: an ID number searched for is masked (the row keeps it, to say what was asked)."""
    filters = dict(job.filters)
    if "search" in filters:
        filters["search"] = idnumber.mask_in_text(filters["search"])
    return from_row(
        ExportOut,
        job,
        id=stored_id(job),
        filters=filters,
        status=job.status.value,
        status_label=job.status.label,
    )


def _require(session: Session, export_id: int, *, lock: bool = False) -> ExportJob:
    job = session.get(ExportJob, export_id, with_for_update=lock)
    if job is None:
        raise NotFoundError(f"no export {export_id}: `photoflow export list` shows the exports")
    return job


@dataclass(frozen=True)
class _Run:
    """Who moves the export in this run (the configured actor) and the flow run, for its events."""

    actor: str
    flow_run_id: str | None


def _claim(engine: Engine, export_id: int, run: _Run) -> ExportJob:
    """Move a queued export (or one a crashed run left processing) to processing; a final one stays."""
    with write_scope(engine) as session:
        job = _require(session, export_id, lock=True)
        if job.status in FINAL:
            return job
        why = None
        if job.status is ExportStatus.PROCESSING:
            log.warning(
                "export %d was left processing (flow run %s); doing it again", job.id, job.flow_run_id
            )
            why = f"left processing by flow run {job.flow_run_id}; done again"
        job.started_at, job.flow_run_id = utcnow(), run.flow_run_id
        export_state.move(
            session, job, ExportStatus.PROCESSING, actor=run.actor, reason=why, flow_run_id=run.flow_run_id
        )
        return job


def _file_name(job: ExportJob) -> str:
    """Fresh for every run: the export's number, when, and a token."""
    stamp = f"{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    return f"export-{job.id}-{stamp}.xlsx"


def _write(engine: Engine, target: Path, wanted: RecordFilter) -> int:
    with session_scope(engine) as session:
        records = session.exec(
            wanted.apply(select(StudentRecord)).order_by(StudentRecord.source_row, StudentRecord.id)
        ).all()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_records_workbook(target, records)
    return len(records)


def _finish(
    engine: Engine,
    export_id: int,
    run: _Run,
    *,
    rows: int | None = None,
    path: str | None = None,
    error: str = "",
) -> ExportOut:
    """Record this run's outcome, unless another run finished the export first (its outcome stands)."""
    with write_scope(engine) as session:
        job = _require(session, export_id, lock=True)
        if job.status is not ExportStatus.PROCESSING:
            log.warning("export %d was finished by another run meanwhile; keeping that run's outcome", job.id)
            return export_out(job)
        job.finished_at = utcnow()
        if error:
            job.error = idnumber.mask_in_text(error)[:MAX_ERROR]
            target, why = ExportStatus.FAILED, job.error
        else:
            job.rows, job.path = rows, path
            target, why = ExportStatus.DONE, f"{rows} rows"
        export_state.move(session, job, target, actor=run.actor, reason=why, flow_run_id=run.flow_run_id)
        return export_out(job)


def _reason(error: Exception, relative: str) -> str:
    if isinstance(error, OSError):
        return (
            f"could not write the workbook {relative} in the data folder: {error.strerror or error}; "
            "check that PHOTOFLOW_DATA_DIR is writable and has room, then request the export again"
        )
    if isinstance(error, ValueError) and not isinstance(error, PhotoflowError):
        return f"the export's stored filter cannot be read ({error}); request the export again"
    return str(error)


def _discard(target: Path) -> None:
    with suppress(OSError):  # the folder itself could not be made: there is nothing to remove
        target.unlink(missing_ok=True)
