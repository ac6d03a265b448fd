"""The committed similarity calibration: it loads, maps distance to score monotonely, bands the platform's
way, inverts, and on real London ID photos puts the same person at 85+ and a stranger at 50 or below."""

from __future__ import annotations

import os

from tests.paths import DATASETS

os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # before deepface is imported

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from photoflow.similarity.embedding import DEFAULT_MODEL, FaceEmbedder
from photoflow.similarity.scoring import Calibration, cosine_distance
from schemas.similarity import SimilarityBand

NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front"
SMILING = DATASETS / "id_defects" / "london_smiling_front"


def embed(embedder: FaceEmbedder, path: Path) -> np.ndarray:
    with Image.open(path) as opened:
        vector = embedder.embed(np.asarray(ImageOps.exif_transpose(opened).convert("RGB")))
    assert vector is not None, f"no face found in {path.name}"
    return vector


def test_committed_calibration_covers_the_default_model_with_the_platform_bands(calibration: Calibration):
    entry = calibration.for_model(DEFAULT_MODEL)
    assert (calibration.same_from, calibration.different_to) == (85.0, 50.0)
    assert entry.metric == "cosine"
    assert entry.distances[0] == 0.0 and entry.scores[0] == 100.0
    assert entry.scores[-1] == 0.0
    assert 85.0 in entry.scores and 50.0 in entry.scores
    assert "lfw_devtest" in entry.fitted_on


def test_score_falls_as_distance_rises_from_100_to_0(calibration: Calibration):
    distances = np.linspace(0.0, 2.0, 4001)  # unit vectors: cosine distance 0 to 2
    scores = calibration.score(DEFAULT_MODEL, distances)
    assert np.all(np.diff(scores) <= 0)
    assert scores[0] == 100.0 and scores[-1] == 0.0
    assert np.all((scores >= 0) & (scores <= 100))


def test_bands_at_the_edges_85_is_same_50_is_different(calibration: Calibration):
    assert calibration.band(85.0) == SimilarityBand.SAME
    assert calibration.band(84.9) == SimilarityBand.POSSIBLE
    assert calibration.band(50.1) == SimilarityBand.POSSIBLE
    assert calibration.band(50.0) == SimilarityBand.DIFFERENT
    assert calibration.band(100.0) == SimilarityBand.SAME
    assert calibration.band(0.0) == SimilarityBand.DIFFERENT


def test_distance_for_inverts_score(calibration: Calibration):
    entry = calibration.for_model(DEFAULT_MODEL)
    for score in (99.0, 90.0, 85.0, 70.0, 50.0, 35.0, 20.0, 5.0):
        distance = calibration.distance_for(DEFAULT_MODEL, score)
        assert float(calibration.score(DEFAULT_MODEL, distance)) == pytest.approx(score, abs=0.05)
    # the band edges come back as the fitted knots
    assert calibration.distance_for(DEFAULT_MODEL, 85.0) == pytest.approx(entry.distances[1])
    assert calibration.distance_for(DEFAULT_MODEL, 50.0) == pytest.approx(entry.distances[2])


def test_same_person_neutral_vs_smiling_scores_same_and_a_stranger_different(
    calibration: Calibration, embedder: FaceEmbedder
):
    assert embedder.model.version == calibration.for_model(DEFAULT_MODEL).model_version, (
        "the calibration was fitted for another embedder version: run benchmarks/calibrate_similarity.py"
    )
    neutral_001 = embed(embedder, NEUTRAL / "001_03.jpg")
    same = float(
        calibration.score(
            DEFAULT_MODEL, cosine_distance(neutral_001, embed(embedder, SMILING / "001_08.jpg"))
        )
    )
    other = float(
        calibration.score(
            DEFAULT_MODEL, cosine_distance(neutral_001, embed(embedder, SMILING / "002_08.jpg"))
        )
    )
    assert same >= 85.0 and calibration.band(same) == SimilarityBand.SAME
    assert other <= 50.0 and calibration.band(other) == SimilarityBand.DIFFERENT
