"""One face for two students: a 1:N search of a batch's current photos against each other.

Every record past stage 1 has a spec image; their embeddings are compared all against all in blocks
of matrix products (10,000 students: 50 million pairs in under a second, with memory bounded by the
block), and a pair at or above the "same person" score is flagged once. A flag is for people to look
at (twins exist); it does not move any record.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import idnumber, storage
from photoflow.photos.attempts import is_latest, latest_attempts
from photoflow.settings import Settings
from photoflow.similarity.embedding import face_model
from photoflow.similarity.embedding_store import ensure_embeddings
from photoflow.similarity.scoring import load_calibration
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord
from schemas.reports import DuplicateFaceOut
from schemas.similarity import DuplicateFace

BLOCK = 1024  # rows per matrix product: 1024 x 10,000 float32 similarities = 40 MB
PAST_STAGE_ONE = frozenset(
    {
        RecordStatus.IN_MANUAL_REVIEW,
        RecordStatus.COMPARING,
        RecordStatus.HELD,
        RecordStatus.COLLECTED,
        RecordStatus.SUBMITTING,
        RecordStatus.REGISTERED,
        RecordStatus.REGISTRY_FAILED,
    }
)


def close_pairs(vectors: np.ndarray, max_distance: float) -> list[tuple[int, int, float]]:
    """(i, j, distance) with i < j for every pair of unit rows at cosine distance <= max_distance."""
    found: list[tuple[int, int, float]] = []
    count = len(vectors)
    for start in range(0, count, BLOCK):
        block = vectors[start : start + BLOCK] @ vectors[start:].T  # only pairs (i, j >= i)
        rows, columns = np.nonzero(block >= 1.0 - max_distance)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            i, j = start + row, start + column
            if i < j:
                found.append((i, j, float(1.0 - block[row, column])))
    return found


def flag_duplicate_faces(
    engine: Engine, settings: Settings, batch_id: int, *, flow_run_id: str | None = None
) -> list[DuplicateFaceOut]:
    """Flag pairs of the batch's current photos that show one face; returns the pairs new in this run."""
    calibration = load_calibration()
    model = face_model(settings.face_model)
    max_distance = calibration.distance_for(model.name, calibration.same_from)
    attempts = _current_photos(engine, settings, batch_id)
    vectors = ensure_embeddings(engine, settings, {sha: path for _, _, sha, path in attempts})
    usable = [
        (record, attempt, vector)
        for record, attempt, sha, _ in attempts
        if (vector := vectors.get(sha)) is not None
    ]
    if len(usable) < 2:
        return []
    matrix = np.stack([vector for _, _, vector in usable]).astype(np.float32)
    new: list[DuplicateFaceOut] = []
    with session_scope(engine) as session:
        known = set(
            session.exec(
                select(DuplicateFace.attempt_a, DuplicateFace.attempt_b).where(
                    DuplicateFace.batch_id == batch_id
                )
            ).all()
        )
        for i, j, distance in close_pairs(matrix, max_distance):
            (record_a, attempt_a, _), (record_b, attempt_b, _) = usable[i], usable[j]
            if record_a.id == record_b.id or (attempt_a, attempt_b) in known:
                continue
            score = float(calibration.score(model.name, distance))
            assert record_a.id is not None and record_b.id is not None  # rows read from the database
            session.add(
                DuplicateFace(
                    batch_id=batch_id,
                    record_a=record_a.id,
                    record_b=record_b.id,
                    attempt_a=attempt_a,
                    attempt_b=attempt_b,
                    score=score,
                    flow_run_id=flow_run_id,
                )
            )
            new.append(_out(batch_id, record_a, record_b, score))
    return new


def duplicate_faces(engine: Engine, batch_id: int) -> list[DuplicateFaceOut]:
    """Every pair flagged in the batch, the most alike first."""
    with session_scope(engine) as session:
        flags = session.exec(
            select(DuplicateFace)
            .where(DuplicateFace.batch_id == batch_id)
            .order_by(col(DuplicateFace.score).desc())
        ).all()
        records = {
            record.id: record
            for record in session.exec(
                select(StudentRecord).where(
                    col(StudentRecord.id).in_({f.record_a for f in flags} | {f.record_b for f in flags})
                )
            )
        }
        return [_out(batch_id, records[f.record_a], records[f.record_b], f.score) for f in flags]


def _current_photos(
    engine: Engine, settings: Settings, batch_id: int
) -> list[tuple[StudentRecord, int, str, Path]]:
    """(record, attempt id, spec image hash, spec image path) of the latest attempt past stage 1."""
    latest = latest_attempts()
    statement = (
        select(StudentRecord, PhotoAttempt.id, AutoReview.spec_image_path)
        .join(PhotoAttempt, col(PhotoAttempt.record_id) == StudentRecord.id)
        .join(latest, is_latest(latest))
        .join(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
        .where(
            StudentRecord.batch_id == batch_id,
            col(StudentRecord.status).in_(PAST_STAGE_ONE),
            AutoReview.passed,
            col(AutoReview.spec_image_path).is_not(None),
        )
        .order_by(col(StudentRecord.id))
    )
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
    found = []
    for record, attempt_id, relative in rows:
        assert attempt_id is not None and relative is not None  # read from the database, filtered above
        path = storage.absolute(settings.data_dir, relative)
        if path.is_file():
            found.append((record, attempt_id, hashlib.sha256(path.read_bytes()).hexdigest(), path))
    return found


def _out(batch_id: int, a: StudentRecord, b: StudentRecord, score: float) -> DuplicateFaceOut:
    assert a.id is not None and b.id is not None  # rows read from the database
    return DuplicateFaceOut(
        batch_id=batch_id,
        score=score,
        record_a=a.id,
        record_b=b.id,
        first=f"{a.name} ({idnumber.mask(a.id_number)})",
        second=f"{b.name} ({idnumber.mask(b.id_number)})",
    )
