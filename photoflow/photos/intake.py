"""Receive photos for a batch: match each file to its roster record, keep the original, open an attempt.

Files are matched by name: the stem is a record's ID number (证件号) or collection code (采集码). Every
file that does not become an attempt is reported by name with the reason; none is dropped silently.
Originals of accepted photos are stored once under their content hash and never changed. The
database work is one transaction, and a photo identical to the record's latest attempt counts as
unchanged, so receiving the same folder twice (a rerun after a crash) creates nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from data_contracts.photo_spec import load_photo_spec
from photoflow import idnumber, storage
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.institution_contracts import existing_batch
from photoflow.job_progress import INTAKE, track
from photoflow.photos.attempts import latest_attempt
from photoflow.photos.decode import describe_size, sniff_format
from photoflow.photos.sources import SourceFile, SourceListing, check_photo_source, list_photo_sources
from photoflow.settings import Settings
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.photos import PhotoAttempt, PhotoIntake
from schemas.reasons import FileProblem
from schemas.records import StudentRecord
from schemas.reports import FileProblemOut, IntakeReport

log = logging.getLogger(__name__)

RECEIVING = frozenset({RecordStatus.AWAITING_PHOTO, RecordStatus.RESHOOT_REQUESTED})
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp"}


@dataclass(frozen=True)
class IntakeAuthor:
    actor: str
    flow_run_id: str | None = None


def list_upload(settings: Settings, source: Path, *, id_number: str | None = None) -> SourceListing:
    """The files of a folder or zip, or one photo file given for one student (`id_number`)."""
    max_file_bytes = load_photo_spec().intake.max_file_bytes
    if id_number is None:
        return list_photo_sources(
            source,
            max_file_bytes=max_file_bytes,
            max_files=settings.max_photo_files,
            max_total_bytes=settings.max_photo_upload_bytes,
        )
    _check_one_photo(source, max_file_bytes)
    wanted = idnumber.normalise(id_number)
    return SourceListing(files=[SourceFile(name=source.name, stem=wanted, data=source.read_bytes())])


def check_intake(
    engine: Engine,
    settings: Settings,
    *,
    institution_code: str,
    category: str,
    learning_centre: str,
    source: Path,
    id_number: str | None = None,
) -> int | None:
    """What `list_upload` and the matching would refuse, checked without reading a photo.

    The CLI runs this before it starts the intake flow, so that a photo over the size limit, a file
    that is no zip, a cut-off zip, an empty folder or an unknown student is one line and exit 1,
    with no flow run, no intake and no original left behind. Returns the record a single photo is
    for: the flow run is given its id, never the ID number (Prefect keeps and shows run parameters).
    """
    max_file_bytes = load_photo_spec().intake.max_file_bytes
    if id_number is None:
        check_photo_source(
            source,
            max_file_bytes=max_file_bytes,
            max_files=settings.max_photo_files,
            max_total_bytes=settings.max_photo_upload_bytes,
        )
    else:
        _check_one_photo(source, max_file_bytes)
    with session_scope(engine) as session:
        parsed = EducationCategory.parse(category)
        batch_id = stored_id(existing_batch(session, institution_code, parsed, learning_centre))
        records = _records_by_key(session, batch_id)
    wanted = idnumber.normalise(id_number or "")
    if id_number is not None and wanted not in records:
        raise NotFoundError(
            f"{_shown(wanted)} matches no student of batch {batch_id}: check the number against the "
            f"roster (`photoflow progress --batch {batch_id}`), or upload the student's roster row first"
        )
    return records[wanted].id if id_number is not None else None


def photo_key(engine: Engine, batch_id: int, record_id: int) -> str:
    """The ID number a photo given for record `record_id` is matched by; refuses a record of another batch."""
    with session_scope(engine) as session:
        record = session.get(StudentRecord, record_id)
        if record is None or record.batch_id != batch_id:
            raise NotFoundError(f"record {record_id} is no student of batch {batch_id}: check the record id")
        return record.id_number


def _check_one_photo(source: Path, max_file_bytes: int) -> None:
    if not source.is_file():
        raise PhotoflowError(f"{source}: no such photo file; check the path and try again")
    size = source.stat().st_size
    if size > max_file_bytes:
        raise PhotoflowError(
            f"{source.name} is {describe_size(size)}; the limit is {describe_size(max_file_bytes)} per "
            f"photo: send a smaller photo (saved again at a lower resolution or JPEG quality)"
        )


def store_original(data_dir: Path, data: bytes, digest: str, *, folder: str = storage.ORIGINALS) -> str:
    """Keep the bytes under photos/<folder>/<sha256 digest>; returns the path relative to the data folder."""
    suffix = SUFFIX.get(sniff_format(data) or "", ".bin")
    target = storage.original(data_dir, digest, suffix, folder=folder)
    if not target.exists():
        storage.make_dir(target.parent)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a crash never leaves a half-written original under its final name
    return storage.stored(data_dir, target)


def receive_photos(
    engine: Engine,
    settings: Settings,
    *,
    batch_id: int,
    listing: SourceListing,
    source_name: str,
    author: IntakeAuthor,
) -> IntakeReport:
    """Turn the listed files into attempts for the batch's records; returns what became of every file."""
    with session_scope(engine) as session:
        records = _records_by_key(session, batch_id)
        intake = PhotoIntake(
            batch_id=batch_id,
            source_name=source_name[:255],
            received_by=author.actor,
            flow_run_id=author.flow_run_id,
        )
        session.add(intake)
        session.flush()
        assert intake.id is not None  # flushed
        problems = [
            FileProblemOut.of(skip.name, FileProblem.NOT_READ, skip.reason) for skip in listing.skipped
        ]
        by_record: dict[int, list[SourceFile]] = defaultdict(list)
        for file in listing.files:
            record = records.get(file.stem)
            if record is None:
                problems.append(FileProblemOut.of(file.name, FileProblem.UNMATCHED, _unmatched(file)))
            else:
                by_record[stored_id(record)].append(file)
        accepted = unchanged = 0
        for files in track(INTAKE, by_record.values(), len(by_record)):
            record = records[files[0].stem]
            if len(files) > 1:
                names = ", ".join(file.name for file in files)
                hint = f"{names} are all for {idnumber.mask(record.id_number)}: keep one and send it again"
                for file in files:
                    problems.append(FileProblemOut.of(file.name, FileProblem.DUPLICATE, hint))
                continue
            outcome = _attempt(session, settings.data_dir, record, files[0], intake.id, author)
            if isinstance(outcome, FileProblemOut):
                problems.append(outcome)
            elif outcome:
                accepted += 1
            else:
                unchanged += 1
        intake.total = len(listing.files) + len(listing.skipped)
        intake.accepted, intake.unchanged = accepted, unchanged
        intake.not_accepted = len(problems)
        intake.problems = [problem.model_dump() for problem in problems]
        session.flush()
        log.info(
            "photo intake %d (%s): %d files, %d accepted, %d unchanged, %d not accepted",
            intake.id,
            source_name,
            intake.total,
            accepted,
            unchanged,
            len(problems),
        )
        return intake_report(intake)


def intake_report(intake: PhotoIntake) -> IntakeReport:
    return from_row(
        IntakeReport,
        intake,
        intake_id=stored_id(intake),
        problems=[FileProblemOut(**problem) for problem in intake.problems],
    )


def _records_by_key(session: Session, batch_id: int) -> dict[str, StudentRecord]:
    """The batch's records under their ID number and, where they have one, their collection code."""
    records: dict[str, StudentRecord] = {}
    for record in session.exec(select(StudentRecord).where(StudentRecord.batch_id == batch_id)):
        records[record.id_number.upper()] = record
        if record.collection_code:
            records.setdefault(idnumber.normalise(record.collection_code), record)
    if not records:
        raise NotFoundError(
            f"batch {batch_id} has no students yet: upload its roster with `photoflow roster upload` first"
        )
    return records


def _unmatched(file: SourceFile) -> str:
    return (
        f"the name '{_shown(file.stem)}' is neither an ID number nor a collection code of this "
        f"batch: name the file after the student's ID number or collection code, e.g. <证件号>.jpg"
    )


def _shown(stem: str) -> str:
    """A name as messages show it: masked where it looks like an ID number, else as it is."""
    looks_like_id = len(stem) >= 15 and stem.rstrip("X").isdigit()
    return idnumber.mask(stem) if looks_like_id else stem


def _attempt(
    session: Session,
    data_dir: Path,
    record: StudentRecord,
    file: SourceFile,
    intake_id: int,
    author: IntakeAuthor,
) -> FileProblemOut | bool:
    """A new attempt (True), the same photo as the latest attempt (False), or why none was made.

    Only a photo that becomes an attempt is kept; it is written before its row, so a rolled-back
    transaction leaves at most an unreferenced original, never a row without its file.
    """
    sha256 = hashlib.sha256(file.data).hexdigest()
    assert record.id is not None  # read from the database
    latest = latest_attempt(session, record.id)
    if latest is not None and latest.sha256 == sha256:
        return False
    if record.status not in RECEIVING:
        return FileProblemOut.of(
            file.name,
            FileProblem.NOT_AWAITING,
            f"{idnumber.mask(record.id_number)} is {record.status.label}; a new photo is taken only "
            f"before the first review or after a reshoot was requested",
        )
    number = latest.attempt_no + 1 if latest is not None else 1
    path = store_original(data_dir, file.data, sha256)
    session.add(
        PhotoAttempt(
            record_id=record.id,
            attempt_no=number,
            intake_id=intake_id,
            file_name=file.name[:255],
            sha256=sha256,
            size_bytes=len(file.data),
            original_path=path,
            received_by=author.actor,
        )
    )
    transition(
        session,
        record,
        RecordStatus.IN_AUTO_REVIEW,
        actor=author.actor,
        reason=f"photo received: {file.name[:200]} (attempt {number})",
        flow_run_id=author.flow_run_id,
    )
    return True
