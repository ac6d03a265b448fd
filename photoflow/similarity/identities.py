"""The batch's trusted faces with whom they belong: the "other identities" a fusion check needs.

A fused or morphed photo sits close to a second student. The candidates are the batch's reference
photos (ID-registry and enrollment), not the students' own photos: those are what is being checked,
and a morph in the batch would make its victim's genuine photo look close to "another identity" too.
Embeddings are stored per image hash, so gathering them costs a query and the few not computed yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import storage
from photoflow.settings import Settings
from photoflow.similarity.fusion import OtherIdentities
from schemas.db import session_scope
from schemas.records import StudentRecord
from schemas.similarity import ReferencePhoto


def batch_reference_images(
    engine: Engine, settings: Settings, record_ids: list[int]
) -> list[tuple[int, str, Path]]:
    """(record id, image hash, file) of every reference photo in the batches of these records."""
    with session_scope(engine) as session:
        batches = select(StudentRecord.batch_id).where(col(StudentRecord.id).in_(record_ids)).distinct()
        rows = session.exec(
            select(ReferencePhoto.record_id, ReferencePhoto.sha256, ReferencePhoto.path)
            .join(StudentRecord, col(StudentRecord.id) == ReferencePhoto.record_id)
            .where(col(StudentRecord.batch_id).in_(batches))
        ).all()
    return [(record_id, sha, storage.absolute(settings.data_dir, path)) for record_id, sha, path in rows]


@dataclass(frozen=True)
class BatchIdentities:
    """One row per usable face: whose it is and its unit embedding."""

    record_ids: np.ndarray
    vectors: np.ndarray

    @classmethod
    def of(cls, faces: Iterable[tuple[int, str]], vectors: dict[str, np.ndarray | None]) -> BatchIdentities:
        seen: set[tuple[int, str]] = set()
        owners: list[int] = []
        rows: list[np.ndarray] = []
        for record_id, sha in faces:
            vector = vectors.get(sha)
            if vector is None or (record_id, sha) in seen:
                continue
            seen.add((record_id, sha))
            owners.append(record_id)
            rows.append(vector)
        if not rows:
            return cls(np.zeros(0, np.int64), np.zeros((0, 0), np.float32))
        return cls(np.asarray(owners, np.int64), np.stack(rows).astype(np.float32))

    def others_than(self, record_id: int) -> OtherIdentities:
        keep = self.record_ids != record_id
        return OtherIdentities(record_ids=self.record_ids[keep], vectors=self.vectors[keep])
