"""Embeddings computed once per image and model, in worker processes, and kept in the database.

Rows are keyed by the image's content hash, so the same photo used twice (a registry photo shared by
two comparisons, an unchanged reshoot) is embedded once. Workers only compute; the parent writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, select

from photoflow.job_progress import EMBEDDINGS, track
from photoflow.photos.decode import PhotoRefusedError
from photoflow.settings import Settings
from photoflow.similarity.embedding import FaceModel, face_model, get_embedder
from photoflow.similarity.vectors import embed_photo, pack, unpack
from photoflow.workers import run_jobs
from schemas.db import session_scope
from schemas.similarity import FaceEmbedding

LOOKUP_BATCH = 500  # hashes per IN (...) query


@dataclass(frozen=True)
class EmbedJob:
    """Plain values, so a job crosses process boundaries."""

    sha256: str
    path: Path
    model: str
    home: str


def embed_job(job: EmbedJob) -> tuple[str, bytes | None]:
    """Embed one stored image in this process (the model loads on the first call); None: no face."""
    embedder = get_embedder(job.model, job.home)
    try:
        vector = embed_photo(job.path.read_bytes(), job.path.name, embedder)
    except PhotoRefusedError:  # a stored file that no longer decodes: no face can be found in it
        vector = None
    return job.sha256, None if vector is None else pack(vector)


def stored_vectors(session: Session, hashes: Iterable[str], model: FaceModel) -> dict[str, np.ndarray | None]:
    """The embeddings already kept for these images under this model (None: no face in that image)."""
    wanted = sorted(set(hashes))
    found: dict[str, np.ndarray | None] = {}
    for start in range(0, len(wanted), LOOKUP_BATCH):
        rows = session.exec(
            select(FaceEmbedding.sha256, FaceEmbedding.vector).where(
                FaceEmbedding.sha256.in_(wanted[start : start + LOOKUP_BATCH]),  # type: ignore[attr-defined]
                FaceEmbedding.model == model.name,
                FaceEmbedding.model_version == model.version,
            )
        ).all()
        found.update((sha, None if vector is None else unpack(vector)) for sha, vector in rows)
    return found


def ensure_embeddings(
    engine: Engine, settings: Settings, images: dict[str, Path]
) -> dict[str, np.ndarray | None]:
    """Embeddings of every image in `images` (content hash -> stored file), computing only the missing."""
    model = face_model(settings.face_model)
    with session_scope(engine) as session:
        vectors = stored_vectors(session, images, model)
    home = str(settings.deepface_dir.resolve())
    jobs = [EmbedJob(sha, path, model.name, home) for sha, path in images.items() if sha not in vectors]
    if not jobs:
        return vectors
    computed = dict(track(EMBEDDINGS, run_jobs(embed_job, jobs, settings.photo_workers), len(jobs)))
    with session_scope(engine) as session:
        already = stored_vectors(session, computed, model)  # another run may have stored some meanwhile
        for sha, data in computed.items():
            if sha not in already:
                dimensions = 0 if data is None else len(unpack(data))
                session.add(
                    FaceEmbedding(
                        sha256=sha,
                        model=model.name,
                        model_version=model.version,
                        vector=data,
                        dimensions=dimensions,
                    )
                )
    vectors.update((sha, None if data is None else unpack(data)) for sha, data in computed.items())
    return vectors
