"""Stage 3's shared fixtures: the committed calibration and the face embedder, each made once."""

from __future__ import annotations

from pathlib import Path

import pytest

from photoflow.similarity.embedding import DEFAULT_MODEL, FaceEmbedder, get_embedder
from photoflow.similarity.scoring import CALIBRATION_FILE, Calibration, load_calibration


@pytest.fixture(scope="session")
def calibration() -> Calibration:
    return load_calibration(CALIBRATION_FILE)


@pytest.fixture(scope="session")
def embedder(deepface_home: Path) -> FaceEmbedder:
    """The embedder the stage's own runs in this process get (same model, same deepface home as the
    `settings` fixture names), so its model loads once for the run, not once per module."""
    return get_embedder(DEFAULT_MODEL, str(deepface_home.resolve()))
