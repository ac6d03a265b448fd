"""Photo files for the pages: an attempt's original, spec image and overlay, and a record's references.

Paths come from our own database rows, are resolved inside the data folder and refused otherwise;
an institution admin gets only their own institution's photos. No stored file is sent as it is: every
photo goes out as its upright, metadata-free copy (photoflow.photos.served), so the GPS position and
the rest of a phone's EXIF stay in the kept original.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse
from sqlmodel import Session, select

from photoflow import storage
from photoflow.photos.served import MEDIA_TYPES, served_copy
from photoflow.web.deps import EngineDep, SettingsDep, UserDep, scope
from schemas.accounts import User
from schemas.db import session_scope
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord
from schemas.similarity import ComparisonKind, ReferencePhoto

router = APIRouter()

NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such photo / 照片不存在")
KINDS = ("original", "spec", "overlay")


def _send(data_dir: Path, relative: str | None) -> FileResponse:
    path = storage.existing_file(data_dir, relative)
    if path is None:
        raise NOT_FOUND
    copy = served_copy(data_dir.resolve(), path)
    return FileResponse(
        copy, media_type=MEDIA_TYPES[copy.suffix], headers={"Cache-Control": "private, max-age=300"}
    )


def _record(session: Session, user: User, record_id: int) -> StudentRecord:
    record = session.get(StudentRecord, record_id)
    institution = scope(user)
    if record is None or (institution is not None and record.institution_code != institution):
        raise NOT_FOUND
    return record


@router.get("/photos/{attempt_id}/{kind}")
def attempt_photo(
    engine: EngineDep, settings: SettingsDep, user: UserDep, attempt_id: int, kind: str
) -> FileResponse:
    if kind not in KINDS:
        raise NOT_FOUND
    with session_scope(engine) as session:
        attempt = session.get(PhotoAttempt, attempt_id)
        if attempt is None:
            raise NOT_FOUND
        _record(session, user, attempt.record_id)
        auto = session.exec(select(AutoReview).where(AutoReview.attempt_id == attempt_id)).first()
    paths = {
        "original": attempt.original_path,
        "spec": auto.spec_image_path if auto else None,
        "overlay": auto.overlay_path if auto else None,
    }
    return _send(settings.data_dir, paths[kind])


@router.get("/references/{record_id}/{kind}")
def reference_photo(
    engine: EngineDep, settings: SettingsDep, user: UserDep, record_id: int, kind: str
) -> FileResponse:
    if kind not in {k.value for k in ComparisonKind}:
        raise NOT_FOUND
    with session_scope(engine) as session:
        _record(session, user, record_id)
        reference = session.exec(
            select(ReferencePhoto).where(
                ReferencePhoto.record_id == record_id, ReferencePhoto.kind == ComparisonKind(kind)
            )
        ).first()
    return _send(settings.data_dir, reference.path if reference else None)
