"""`photoflow compare`: two photo files, one score, on the stage's own path (embed, then score)."""

from __future__ import annotations

from pathlib import Path

from photoflow.errors import PhotoflowError
from photoflow.settings import Settings
from photoflow.similarity.embedding import get_embedder
from photoflow.similarity.scoring import load_calibration
from photoflow.similarity.vectors import embed_photo, score_pair
from schemas.reports import PairScoreOut


def compare_files(first: Path, second: Path, settings: Settings) -> PairScoreOut:
    """Score two photos 0-100 with the platform's band; no score (and a message) when a face is missing."""
    for path in (first, second):
        if not path.is_file():
            raise PhotoflowError(f"{path}: no such photo file; check the path and try again")
    calibration = load_calibration()
    calibration.for_model(settings.face_model)
    embedder = get_embedder(settings.face_model, str(settings.deepface_dir.resolve()))
    vectors = [embed_photo(path.read_bytes(), path.name, embedder) for path in (first, second)]
    out = dict(
        photo_a=str(first),
        photo_b=str(second),
        model=embedder.model.name,
        model_version=embedder.model.version,
    )
    vector_a, vector_b = vectors
    if vector_a is None or vector_b is None:
        missing = [path.name for path, vector in zip((first, second), vectors, strict=True) if vector is None]
        message = f"no face found in {' and '.join(missing)}: use a photo showing the face clearly"
        return PairScoreOut(score=None, band=None, band_label=None, distance=None, message=message, **out)
    scored = score_pair(vector_a, vector_b, embedder.model.name, calibration)
    return PairScoreOut(
        score=scored.score,
        band=scored.band.value,
        band_label=scored.band.label,
        distance=scored.distance,
        **out,
    )
