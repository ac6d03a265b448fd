"""Enrollment photos (录取照片): an institution's zip of photos named by ID number, kept as references.

Stage 3 compares each student's photo with the one taken at enrollment. The platform takes these photos
only as one zip, each photo under 100 KB (`Settings.max_enrollment_photo_bytes`) and named after the
student's ID number (证件号). The zip is read in memory by `list_photo_sources`, which refuses unsafe
members without reading them; every file that does not become a reference is reported by name with a
reason code and what to do. A photo identical to the student's current one counts as unchanged and a
different one replaces it, so uploading a corrected zip again fixes a wrong photo. ID numbers are masked
in every detail and log line, because reports are mailed around and logs are kept.
"""

from __future__ import annotations

import logging
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from data_contracts.photo_spec import IntakeSpec, load_photo_spec
from photoflow import idnumber
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.institution_contracts import require_batch
from photoflow.photos.decode import PhotoRefusedError, decode_photo, describe_size
from photoflow.photos.sources import SkippedEntry, SourceFile, SourceListing, list_photo_sources
from photoflow.settings import Settings
from photoflow.similarity.references import keep_reference
from schemas.db import session_scope
from schemas.enrollment import EnrollmentReport
from schemas.outputs import from_row
from schemas.reasons import FileProblem
from schemas.records import StudentRecord
from schemas.reports import FileProblemOut
from schemas.similarity import ComparisonKind, EnrollmentUpload

log = logging.getLogger(__name__)

# Members that make a zip an Office Open XML (.xlsx, .docx) or OpenDocument (.ods, .odt) file.
DOCUMENT_MEMBERS = frozenset({"[Content_Types].xml", "mimetype"})
NAMING = "name each photo after the student's ID number, e.g. <证件号>.jpg"


def upload_enrollment_photos(
    engine: Engine, settings: Settings, *, batch_id: int, source: Path, actor: str
) -> EnrollmentReport:
    """Keep each photo of the zip `source` as its student's enrollment photo; report every file.

    Raises PhotoflowError, saying what to do, when `source` is not a zip, the batch does not exist or
    has no roster yet, or the zip as a whole is damaged or over the upload caps. The rows are written in
    one transaction.
    """
    _require_zip(source)
    with session_scope(engine) as session:
        _require_roster(session, batch_id)
    limit = settings.max_enrollment_photo_bytes
    listing = list_photo_sources(
        source,
        max_file_bytes=limit - 1,  # the platform's rule is "under 100 KB": 100 KB itself is too large
        max_files=settings.max_photo_files,
        max_total_bytes=settings.max_photo_upload_bytes,
    )
    images, problems = _screen(listing, limit, load_photo_spec().intake)
    with session_scope(engine) as session:
        matched, unmatched = _match(images, _records_by_id_number(session, batch_id), batch_id)
        problems += unmatched
        accepted = _keep_photos(session, settings.data_dir, matched, source_name=source.name, actor=actor)
        upload = EnrollmentUpload(
            batch_id=batch_id,
            source_name=source.name[:255],
            received_by=actor[:100],
            total=len(listing.files) + len(listing.skipped),
            accepted=accepted,
            unchanged=len(matched) - accepted,
            not_accepted=len(problems),
            problems=[_stored(problem) for problem in problems],
        )
        session.add(upload)
        session.flush()
        _log_upload(upload)
        return _report(upload)


def list_enrollment_uploads(engine: Engine, batch_id: int) -> list[EnrollmentReport]:
    """The batch's enrollment uploads, oldest first, each with its refused files."""
    with session_scope(engine) as session:
        require_batch(session, batch_id)
        uploads = session.exec(
            select(EnrollmentUpload)
            .where(EnrollmentUpload.batch_id == batch_id)
            .order_by(col(EnrollmentUpload.id))
        ).all()
        return [_report(upload) for upload in uploads]


def _require_zip(source: Path) -> None:
    """The platform takes enrollment photos as one zip; anything else is refused before it is read."""
    shown, name = idnumber.mask_in_text(str(source)), idnumber.mask_in_text(source.name)
    if source.is_dir():
        raise PhotoflowError(
            f"{shown} is a folder: enrollment photos are uploaded as one .zip file; "
            f"zip the photos ({NAMING}) and upload the zip"
        )
    if not source.is_file():
        raise PhotoflowError(f"{shown}: no such file; check the path and try again")
    if not zipfile.is_zipfile(source):
        raise PhotoflowError(
            f"{name} is not a zip archive: enrollment photos are uploaded as one .zip file; "
            f"zip the photos ({NAMING}) and upload the zip"
        )
    if _is_document(source):
        raise PhotoflowError(
            f"{name} is a document (Excel, Word or the like), not a zip of photos: "
            f"zip the photos ({NAMING}) and upload the zip"
        )


def _is_document(source: Path) -> bool:
    """Office and OpenDocument files are zips too; a roster sent here by mistake is refused as a whole.

    A zip too damaged to open is left for `list_photo_sources`, which says so naming it.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            return not DOCUMENT_MEMBERS.isdisjoint(archive.namelist())
    except zipfile.BadZipFile:
        return False


def _require_roster(session: Session, batch_id: int) -> None:
    """Checked before the zip is read, so a wrong --batch is refused at once, not after a long read."""
    require_batch(session, batch_id)
    anyone = select(StudentRecord.id).where(StudentRecord.batch_id == batch_id).limit(1)
    if session.exec(anyone).first() is None:
        raise NotFoundError(
            f"batch {batch_id} has no students yet: upload its roster with `photoflow roster upload` first"
        )


def _screen(
    listing: SourceListing, limit: int, spec: IntakeSpec
) -> tuple[list[SourceFile], list[FileProblemOut]]:
    """The files that are pictures, and a problem for each entry that was not read or is no picture."""
    problems = [_skipped_problem(skip, limit) for skip in listing.skipped]
    images = []
    for file in listing.files:
        try:
            decode_photo(
                file.data,
                name=file.name,
                max_bytes=limit,
                max_pixels=spec.max_pixels,
                formats=spec.accepted_formats,
            )
        except PhotoRefusedError as refusal:
            problems.append(_problem(file.name, FileProblem.NOT_AN_IMAGE, refusal.detail))
        else:
            images.append(file)
    return images, problems


def _skipped_problem(skip: SkippedEntry, limit: int) -> FileProblemOut:
    """An entry the listing did not read; an over-size one is told the platform's rule instead."""
    if skip.too_large is None:
        return _problem(skip.name, FileProblem.NOT_READ, skip.reason)
    return _problem(
        skip.name,
        FileProblem.TOO_LARGE,
        f"the photo is {describe_size(skip.too_large)}; the platform's rule is that an enrollment photo is "
        f"under {_kb(limit)}: compress it or save it again smaller (JPEG at a lower quality, or fewer "
        f"pixels) and upload the zip again",
    )


def _match(
    images: list[SourceFile], records: dict[str, StudentRecord], batch_id: int
) -> tuple[list[tuple[StudentRecord, SourceFile]], list[FileProblemOut]]:
    """Pair each picture with its student by ID number; strangers and repeated IDs are refused."""
    by_stem: dict[str, list[SourceFile]] = defaultdict(list)
    for file in images:
        by_stem[file.stem].append(file)
    matched: list[tuple[StudentRecord, SourceFile]] = []
    problems: list[FileProblemOut] = []
    for stem, files in by_stem.items():
        record = records.get(stem)
        if record is None:
            problems += [_unmatched(file, batch_id) for file in files]
        elif len(files) > 1:
            names = ", ".join(file.name for file in files)
            detail = (
                f"{len(files)} files ({names}, maybe in different folders) are for the same student: "
                f"keep only the right photo and upload the zip again"
            )
            problems += [_problem(file.name, FileProblem.DUPLICATE, detail) for file in files]
        else:
            matched.append((record, files[0]))
    return matched, problems


def _unmatched(file: SourceFile, batch_id: int) -> FileProblemOut:
    detail = f"{file.name}: no student of batch {batch_id} has this ID number; {NAMING}"
    return _problem(file.name, FileProblem.UNMATCHED, detail)


def _keep_photos(
    session: Session,
    data_dir: Path,
    matched: list[tuple[StudentRecord, SourceFile]],
    *,
    source_name: str,
    actor: str,
) -> int:
    """Make each matched photo its student's enrollment reference; returns how many were new or replaced."""
    kept = 0
    for record, file in matched:
        assert record.id is not None  # read from the database
        _, changed = keep_reference(
            session,
            data_dir,
            record_id=record.id,
            kind=ComparisonKind.ENROLLMENT,
            data=file.data,
            source=source_name,
            actor=actor,
        )
        kept += changed
    return kept


def _log_upload(upload: EnrollmentUpload) -> None:
    log.info(
        "enrollment upload %d (%s) for batch %d: %d files, %d accepted, %d unchanged, %d not accepted",
        upload.id,
        idnumber.mask_in_text(upload.source_name),
        upload.batch_id,
        upload.total,
        upload.accepted,
        upload.unchanged,
        upload.not_accepted,
    )


def _records_by_id_number(session: Session, batch_id: int) -> dict[str, StudentRecord]:
    """Keyed as file stems are (`idnumber.normalise`), so a lower-case x in a name still matches."""
    records = session.exec(select(StudentRecord).where(StudentRecord.batch_id == batch_id))
    return {idnumber.normalise(record.id_number): record for record in records}


def _problem(name: str, problem: FileProblem, detail: str) -> FileProblemOut:
    """The file keeps its name, so the sender can find it; ID numbers in the sentence are masked."""
    return FileProblemOut.of(name, problem, idnumber.mask_in_text(detail))


def _stored(problem: FileProblemOut) -> dict[str, str]:
    """The form kept in `EnrollmentUpload.problems`: the code only, so labels can change later."""
    return {"name": problem.name, "reason": problem.code, "detail": problem.detail}


def _from_stored(row: dict[str, Any]) -> FileProblemOut:
    return FileProblemOut.of(row["name"], FileProblem(row["reason"]), row["detail"])


def _kb(size: int) -> str:
    """'100 KB' for the platform's round limits, otherwise as `describe_size` writes sizes."""
    return f"{size // 1024} KB" if size % 1024 == 0 else describe_size(size)


def _report(upload: EnrollmentUpload) -> EnrollmentReport:
    assert upload.id is not None  # stored before it is reported
    return from_row(
        EnrollmentReport,
        upload,
        upload_id=upload.id,
        problems=[_from_stored(row) for row in upload.problems],
    )
