"""One-time download packages: the records no package holds yet, put into one package, once.

"Once" is a database rule (`DownloadItem.record_id` is unique), not a convention of this module. The
files are written before the rows, outside any transaction, so a large batch never holds the write
lock while photos are zipped; the rows are then written in one transaction that first checks the
chosen records are still free and still on the same photo. When another package took some of them
meanwhile (two people pressing the button at once), this package's files are removed and the choice
is made again from what is left. Rows never name files that were not completely written.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from photoflow import idnumber, storage
from photoflow.downloads.delivery import check_address, deliver, is_delivered, require_smtp
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.exports.workbook import TableColumn, write_records_workbook
from photoflow.institution_contracts import require_batch
from photoflow.notify.smtp import mask_email
from photoflow.photos.attempts import is_latest, latest_attempts
from photoflow.settings import Settings
from schemas.batches import Batch
from schemas.db import session_scope, write_scope
from schemas.deliverables import DownloadItem, DownloadPackage
from schemas.download_reports import DownloadableOut, DownloadPackageOut, PackageFilesOut
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord

log = logging.getLogger(__name__)

DOWNLOADABLE = (RecordStatus.COLLECTED, RecordStatus.REGISTERED)
TABLE_NAME = "info-table.xlsx"
PHOTOS_NAME = "photos.zip"
CHOICES = 3  # tries at choosing records before giving way to a creation that keeps taking them


def photo_name(record: StudentRecord) -> str:
    """The photo's name in the zip and in the table: the ID number, so the two match by eye and by key."""
    return f"{record.id_number}.jpg"


PHOTO_COLUMN = TableColumn("照片文件", photo_name, 24)


@dataclass(frozen=True)
class _Chosen:
    record: StudentRecord
    attempt_id: int
    photo: Path


@dataclass(frozen=True)
class _Files:
    """A package's folder under the data folder, and its two files relative to the data folder."""

    folder: Path
    table: str
    photos: str
    size_bytes: int


class _Taken(Exception):
    """Some chosen records were packaged, or changed photo, while this package's files were written."""


def downloadable(engine: Engine, batch_id: int) -> list[DownloadableOut]:
    """The batch's collected and registered records that no package holds yet, ID numbers masked."""
    with session_scope(engine) as session:
        require_batch(session, batch_id)
        rows = session.exec(_free_records(batch_id)).all()
        return [_downloadable_out(record) for record in rows]


def create_package(
    engine: Engine, settings: Settings, batch_id: int, *, actor: str, email: str | None = None
) -> DownloadPackageOut:
    """Package every downloadable record of the batch (those with their photo on disk), then e-mail
    it to `email` if given. Raises `PhotoflowError` when there is nothing to package."""
    recipient = check_address(email) if email is not None else None
    if recipient is not None:
        require_smtp(settings)  # refused before anything is written: the command can simply be rerun
    with session_scope(engine) as session:
        require_batch(session, batch_id)
    for _ in range(CHOICES):
        chosen, left_out = _choose(engine, settings, batch_id)
        if not chosen:
            raise PhotoflowError(_nothing_to_download(engine, batch_id, left_out))
        files = _write_files(settings, batch_id, chosen)
        try:
            package = _record(engine, batch_id, chosen, files, actor=actor, recipient=recipient)
        except (_Taken, IntegrityError):
            shutil.rmtree(files.folder, ignore_errors=True)
            continue
        except BaseException:
            shutil.rmtree(files.folder, ignore_errors=True)
            raise
        break
    else:
        raise PhotoflowError(
            f"other download packages of batch {batch_id} kept taking the same records while this one "
            "was written; run the command again"
        )
    log.info(
        "download package %d of batch %d: %d records, %d bytes, %d left out",
        package.id,
        batch_id,
        package.records,
        package.size_bytes,
        len(left_out),
    )
    if recipient is not None:
        package.email_outcome = deliver(engine, settings, package, recipient)
    return package_out(package, left_out=left_out)


def list_packages(
    engine: Engine, *, batch_id: int | None = None, limit: int = 200
) -> list[DownloadPackageOut]:
    """Past packages, newest first (of one batch or all), with paths relative to the data folder."""
    statement = select(DownloadPackage).order_by(col(DownloadPackage.id).desc()).limit(limit)
    if batch_id is not None:
        statement = statement.where(DownloadPackage.batch_id == batch_id)
    with session_scope(engine) as session:
        return [package_out(package) for package in session.exec(statement).all()]


def package_files(engine: Engine, settings: Settings, package_id: int) -> PackageFilesOut:
    """The absolute paths of a past package's table and zip, checked to be there."""
    with session_scope(engine) as session:
        package = session.get(DownloadPackage, package_id)
    if package is None:
        raise NotFoundError(f"no download package {package_id}: `photoflow download records` lists them")
    table = storage.absolute(settings.data_dir, package.table_path)
    photos = storage.absolute(settings.data_dir, package.photos_path)
    missing = [path for path in (table, photos) if not path.is_file()]
    if missing:
        raise PhotoflowError(
            f"download package {package_id} is recorded, but {', '.join(map(str, missing))} is gone from "
            "the data folder (removed outside photoflow); restore it from a backup of the data folder"
        )
    return PackageFilesOut(
        package_id=package_id,
        batch_id=package.batch_id,
        records=package.records,
        table_path=str(table.resolve()),
        photos_path=str(photos.resolve()),
        size_bytes=package.size_bytes,
    )


def _downloadable_out(record: StudentRecord) -> DownloadableOut:
    return DownloadableOut(
        record_id=stored_id(record),
        id_number=idnumber.mask(record.id_number),
        name=record.name,
        status=record.status.value,
        status_label=record.status.label,
        department=record.department,
        class_name=record.class_name,
    )


def package_out(package: DownloadPackage, *, left_out: list[str] | None = None) -> DownloadPackageOut:
    return from_row(
        DownloadPackageOut,
        package,
        id=stored_id(package),
        emailed_to=mask_email(package.emailed_to) or None,
        email_delivered=is_delivered(package.email_outcome) if package.emailed_to else None,
        left_out=left_out or [],
    )


def _is_free(batch_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a downloadable record: in the batch, collected or registered, in no package."""
    return (
        col(StudentRecord.batch_id) == batch_id,
        col(StudentRecord.status).in_(DOWNLOADABLE),
        col(StudentRecord.id).not_in(select(DownloadItem.record_id)),
    )


def _free_records(batch_id: int) -> SelectOfScalar[StudentRecord]:
    return select(StudentRecord).where(*_is_free(batch_id)).order_by(col(StudentRecord.id))


Candidate = tuple[StudentRecord, int | None, int | None, str | None]


def _candidates(session: Session, batch_id: int) -> list[Candidate]:
    """Each free record with its latest attempt's id and number and that attempt's spec image."""
    latest = latest_attempts()
    statement = (
        select(StudentRecord, PhotoAttempt.id, PhotoAttempt.attempt_no, AutoReview.spec_image_path)
        .where(*_is_free(batch_id))
        .outerjoin(latest, latest.c.record_id == StudentRecord.id)
        .outerjoin(PhotoAttempt, is_latest(latest))
        .outerjoin(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
        .order_by(col(StudentRecord.id))
    )
    return list(session.exec(statement).all())


def _choose(engine: Engine, settings: Settings, batch_id: int) -> tuple[list[_Chosen], list[str]]:
    """The records to package (free, with their spec JPEG on disk) and, masked, the ones left out."""
    chosen: list[_Chosen] = []
    left_out: list[str] = []
    with session_scope(engine) as session:
        for record, attempt_id, attempt_no, spec_path in _candidates(session, batch_id):
            photo = storage.absolute(settings.data_dir, spec_path) if spec_path else None
            if attempt_id is None or photo is None or not photo.is_file():
                which = f"attempt {attempt_no}" if attempt_no else "its photo"
                left_out.append(
                    f"{idnumber.mask(record.id_number)}: the spec image of {which} is missing; "
                    "run automatic review again"
                )
                continue
            chosen.append(_Chosen(record, attempt_id, photo))
    return chosen, left_out


def _write_files(settings: Settings, batch_id: int, chosen: list[_Chosen]) -> _Files:
    """The table and the zip (stored, not deflated: JPEGs do not shrink) in a folder of their own."""
    folder = storage.new_downloads_dir(settings.data_dir, batch_id)
    try:
        table = write_records_workbook(folder / TABLE_NAME, [c.record for c in chosen], extra=(PHOTO_COLUMN,))
        photos = folder / PHOTOS_NAME
        with zipfile.ZipFile(photos, "w", compression=zipfile.ZIP_STORED) as archive:
            for item in chosen:
                archive.write(item.photo, arcname=photo_name(item.record))
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise PhotoflowError(
            f"could not write the download package under {folder}: {idnumber.mask_in_text(str(error))}"
        ) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _Files(
        folder=folder,
        table=storage.stored(settings.data_dir, folder / TABLE_NAME),
        photos=storage.stored(settings.data_dir, photos),
        size_bytes=table.stat().st_size + photos.stat().st_size,
    )


def _record(
    engine: Engine, batch_id: int, chosen: list[_Chosen], files: _Files, *, actor: str, recipient: str | None
) -> DownloadPackage:
    """The package row and one item per record, in one transaction, if every record is still free."""
    with write_scope(engine) as session:
        # PostgreSQL: package creations of one batch queue here, and each statement after the lock
        # sees what the one before committed; SQLite: write_scope already holds the database's lock
        session.exec(select(Batch.id).where(Batch.id == batch_id).with_for_update()).one()
        current = {record.id: attempt_id for record, attempt_id, _, _ in _candidates(session, batch_id)}
        if any(current.get(item.record.id) != item.attempt_id for item in chosen):
            raise _Taken
        package = DownloadPackage(
            batch_id=batch_id,
            records=len(chosen),
            table_path=files.table,
            photos_path=files.photos,
            size_bytes=files.size_bytes,
            created_by=actor,
            emailed_to=recipient,
        )
        session.add(package)
        session.flush()
        session.execute(
            insert(DownloadItem),
            [
                {"package_id": package.id, "record_id": c.record.id, "attempt_id": c.attempt_id}
                for c in chosen
            ],
        )
    return package


def _nothing_to_download(engine: Engine, batch_id: int, left_out: list[str]) -> str:
    with session_scope(engine) as session:
        packaged = session.exec(
            select(func.count())
            .select_from(DownloadItem)
            .join(StudentRecord, col(StudentRecord.id) == DownloadItem.record_id)
            .where(StudentRecord.batch_id == batch_id)
        ).one()
    text = (
        f"batch {batch_id} has no records to download: only collected or registered records can be, "
        f"each once; {packaged} of its records are in earlier packages (`photoflow download records "
        f"--batch {batch_id}` lists them; `photoflow download get PACKAGE_ID` fetches one again)"
    )
    if left_out:
        text += f"; {len(left_out)} record(s) lack their photo: " + "; ".join(left_out[:5])
    return text
