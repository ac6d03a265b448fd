"""Builders for stage 3 tests: records with a reviewed photo, references, a registry folder.

Stage 1 is not run here (its own tests do that): a real portrait is put where stage 1 leaves the spec
image, with the passing verdict stage 1 would have written, so these tests spend their time on
comparisons of real faces.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from photoflow.manual_review.queue import enqueue
from photoflow.sandbox.seeding import passed_attempt
from photoflow.settings import Settings, get_settings
from photoflow.similarity.references import keep_reference
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from schemas.similarity import ComparisonKind

DATASETS = get_settings().datasets_dir


def neutral(person: int) -> Path:
    """London ID-style portrait number `person` (102 people numbered 1-173 with gaps), neutral."""
    return DATASETS / "id_portraits" / "london_neutral_front" / f"{person:03d}_03.jpg"


def smiling(person: int) -> Path:
    """The same person as `neutral(person)`, smiling: a genuine pair with it."""
    return DATASETS / "id_defects" / "london_smiling_front" / f"{person:03d}_08.jpg"


def batch_records(engine: Engine) -> list[StudentRecord]:
    with session_scope(engine) as session:
        return list(session.exec(select(StudentRecord).order_by(StudentRecord.id)).all())


def reviewed_photo(
    engine: Engine, settings: Settings, record_id: int, photo: Path, *, to: RecordStatus
) -> int:
    """A new attempt whose spec image is `photo`, passed by stage 1; the record ends at `to`."""
    with session_scope(engine) as session:
        record = session.get(StudentRecord, record_id)
        assert record is not None
        attempt = passed_attempt(
            session,
            settings.data_dir,
            record,
            spec=photo.read_bytes(),
            file_name=photo.name,
            sha256="0" * 64,
            size_bytes=photo.stat().st_size,
            actor="test",
            reason="test set-up",
        )
        if to == RecordStatus.IN_MANUAL_REVIEW:
            enqueue(session, record, attempt.id)
        else:
            transition(session, record, to, actor="test", reason="test set-up")
        return attempt.id


def enrollment_photo(engine: Engine, settings: Settings, record_id: int, photo: Path) -> None:
    with session_scope(engine) as session:
        keep_reference(
            session,
            settings.data_dir,
            record_id=record_id,
            kind=ComparisonKind.ENROLLMENT,
            data=photo.read_bytes(),
            source="test.zip",
            actor="test",
        )


def registry_folder(folder: Path, photos: dict[str, Path]) -> Path:
    """A folder registry: `<ID number>.jpg` for each student the registry knows."""
    folder.mkdir(parents=True, exist_ok=True)
    for id_number, photo in photos.items():
        shutil.copyfile(photo, folder / f"{id_number}.jpg")
    return folder
