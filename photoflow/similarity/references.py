"""Reference photos: the ID-registry photo and the enrollment photo a student's photo is compared with.

Each record has at most one current reference of each kind; a new one replaces it (the old file stays
in the content-addressed store, and comparisons keep the hash of the reference they used).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlmodel import Session, select

from photoflow import storage
from photoflow.photos.intake import store_original
from schemas.clock import utcnow
from schemas.similarity import ComparisonKind, ReferencePhoto


def current_reference(session: Session, record_id: int, kind: ComparisonKind) -> ReferencePhoto | None:
    return session.exec(
        select(ReferencePhoto).where(ReferencePhoto.record_id == record_id, ReferencePhoto.kind == kind)
    ).first()


def keep_reference(
    session: Session,
    data_dir: Path,
    *,
    record_id: int,
    kind: ComparisonKind,
    data: bytes,
    source: str,
    actor: str,
) -> tuple[ReferencePhoto, bool]:
    """Store `data` as the record's reference of `kind`; returns it and whether anything changed.

    The file is written before the row, so a rolled-back transaction leaves at most an unreferenced
    file, never a row without its file; the same bytes again change nothing.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    reference = current_reference(session, record_id, kind)
    if reference is not None and reference.sha256 == sha256:
        return reference, False
    path = store_original(data_dir, data, sha256, folder=storage.REFERENCES)
    if reference is None:
        reference = ReferencePhoto(
            record_id=record_id,
            kind=kind,
            sha256=sha256,
            size_bytes=len(data),
            path=path,
            source=source[:255],
            received_by=actor,
        )
    else:
        reference.sha256, reference.size_bytes, reference.path = sha256, len(data), path
        reference.source, reference.received_by = source[:255], actor
        reference.received_at = utcnow()
    session.add(reference)
    session.flush()
    return reference, True
