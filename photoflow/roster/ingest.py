"""Roster ingestion in three steps, each a unit a Prefect task can wrap: prepare, read and check, store.

`ingest_roster` runs the three in a row for callers without Prefect (benchmarks, scripts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from photoflow.errors import PhotoflowError
from photoflow.institution_contracts import active_contract, batch_for
from photoflow.roster.reader import RosterFileError, read_roster
from photoflow.roster.row_checks import CheckedRoster, UploadContext, check_roster
from photoflow.roster.staging import StagedFile, display_name, stage_upload
from photoflow.roster.store import UploadAuthor, record_refusal, store_checked
from photoflow.roster.uploads import upload_report
from photoflow.settings import Settings
from schemas.db import session_scope
from schemas.enums import EducationCategory
from schemas.ids import stored_id
from schemas.institutions import Institution
from schemas.reports import UploadReport


@dataclass
class Intake:
    """A roster after reading: either checked rows, or the reason the whole file was refused."""

    file_name: str
    staged: StagedFile | None
    checked: CheckedRoster | None = None
    refusal: str | None = None


class RosterRefused(PhotoflowError):
    """The whole roster was refused; `report` is the rejected upload as stored (`roster list` shows it)."""

    def __init__(self, report: UploadReport) -> None:
        self.report = report
        super().__init__(f"roster upload {report.upload_id} refused: {report.error_message}")

    def __reduce__(self) -> tuple[type[RosterRefused], tuple[UploadReport]]:
        return RosterRefused, (self.report,)  # rebuilt from the report when pickled (Dask, results)


def prepare_upload(
    engine: Engine, *, institution_code: str, category: EducationCategory, learning_centre: str, today: date
) -> UploadContext:
    """Refuse early without an active contract; open the batch on first use."""
    with session_scope(engine) as session:
        active_contract(session, institution_code, category, today)
        batch = batch_for(session, institution_code, category, learning_centre)
        institution = session.get(Institution, institution_code)
        assert institution is not None  # it has an active contract
        return UploadContext(
            batch_id=stored_id(batch),
            institution_code=institution_code,
            institution_name=institution.name,
            category=category,
            learning_centre=learning_centre,
            today=today,
        )


def read_and_check(
    settings: Settings, source: Path, context: UploadContext, *, file_name: str | None = None
) -> Intake:
    """Keep the file, read it, and check every row; a refused file becomes an `Intake` with a reason."""
    name = display_name(file_name or source.name)
    staged = None
    try:
        staged = stage_upload(
            source, file_name=name, data_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
        )
        table = read_roster(
            staged.path,
            file_name=name,
            max_bytes=settings.max_upload_bytes,
            max_rows=settings.max_roster_rows,
        )
    except RosterFileError as refusal:
        return Intake(file_name=name, staged=staged, refusal=str(refusal))
    return Intake(file_name=name, staged=staged, checked=check_roster(table, context))


def store_intake(
    engine: Engine, context: UploadContext, intake: Intake, author: UploadAuthor
) -> UploadReport:
    """One transaction: the upload row, its records and their events, its row errors; or nothing."""
    with session_scope(engine) as session:
        if intake.checked is None or intake.staged is None:
            upload = record_refusal(
                session,
                batch_id=context.batch_id,
                staged=intake.staged,
                file_name=intake.file_name,
                message=intake.refusal or "",
                author=author,
            )
        else:
            upload = store_checked(
                session,
                batch_id=context.batch_id,
                staged=intake.staged,
                checked=intake.checked,
                author=author,
            )
        session.flush()
        return upload_report(session, stored_id(upload))


def ingest_roster(
    engine: Engine,
    settings: Settings,
    *,
    source: Path,
    institution_code: str,
    category: EducationCategory,
    learning_centre: str = "",
    author: UploadAuthor,
    today: date,
) -> UploadReport:
    context = prepare_upload(
        engine,
        institution_code=institution_code,
        category=category,
        learning_centre=learning_centre,
        today=today,
    )
    return store_intake(engine, context, read_and_check(settings, source, context), author)
