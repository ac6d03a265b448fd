"""One photo to one embedding, two embeddings to one score: the path `photoflow compare` and stage 3 share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_contracts.photo_spec import load_photo_spec
from photoflow.photos.decode import decode_upload
from photoflow.similarity.embedding import FaceEmbedder
from photoflow.similarity.scoring import Calibration, cosine_distance
from schemas.similarity import SimilarityBand

DTYPE = np.float32


@dataclass(frozen=True)
class Scored:
    distance: float
    score: float
    band: SimilarityBand


def embed_photo(data: bytes, name: str, embedder: FaceEmbedder) -> np.ndarray | None:
    """The main face's embedding, None when there is no face; raises PhotoRefusedError for a non-photo."""
    decoded = decode_upload(data, name=name, intake=load_photo_spec().intake)
    return embedder.embed(np.asarray(decoded.rgb))


def score_pair(a: np.ndarray, b: np.ndarray, model: str, calibration: Calibration) -> Scored:
    distance = cosine_distance(a, b)
    score = float(calibration.score(model, distance))
    return Scored(distance=round(distance, 6), score=score, band=calibration.band(score))


def pack(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=DTYPE).tobytes()


def unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=DTYPE)
