"""From embedding distance to the platform's 0-100 score and its bands, by a calibration kept as data.

`data_contracts/similarity_calibration.toml` holds, per model, the knots of a monotone piecewise-linear
map from cosine distance to score, fitted on real pairs by `benchmarks/calibrate_similarity.py`; the
band limits (85 and 50) are the platform's and live there too.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, model_validator

from photoflow.errors import PhotoflowError
from schemas.similarity import SimilarityBand

CALIBRATION_FILE = Path(__file__).resolve().parents[2] / "data_contracts" / "similarity_calibration.toml"


class ModelCalibration(BaseModel):
    """One model's map: `distances` ascending, `scores` descending, the same length, ends included."""

    model: str
    model_version: str
    metric: str = Field(description="Always cosine: 1 - the dot product of unit vectors.")
    distances: list[float]
    scores: list[float]
    fitted_on: str
    fitted_at: str

    @model_validator(mode="after")
    def _monotone(self) -> ModelCalibration:
        d, s = np.asarray(self.distances), np.asarray(self.scores)
        if len(d) < 2 or len(d) != len(s):
            raise ValueError("distances and scores need the same length, at least 2")
        if np.any(np.diff(d) <= 0) or np.any(np.diff(s) > 0):
            raise ValueError("distances must rise and scores must not rise")
        if s[0] > 100 or s[-1] < 0:
            raise ValueError("scores lie between 0 and 100")
        return self


class Calibration(BaseModel):
    same_from: float = Field(description="Scores at or above this: same person (the platform: 85).")
    different_to: float = Field(description="Scores at or below this: not the same (the platform: 50).")
    models: dict[str, ModelCalibration]

    def for_model(self, model: str) -> ModelCalibration:
        found = self.models.get(model)
        if found is None:
            raise PhotoflowError(
                f"face model '{model}' has no score calibration in {CALIBRATION_FILE.name} (calibrated: "
                f"{', '.join(sorted(self.models))}): run benchmarks/calibrate_similarity.py --model {model}"
            )
        return found

    def score(self, model: str, distance: np.ndarray | float) -> np.ndarray:
        """Scores 0-100 (one decimal) for cosine distances; works on arrays for 1:N searches."""
        calibration = self.for_model(model)
        scores = np.interp(distance, calibration.distances, calibration.scores)
        return np.round(scores, 1)

    def band(self, score: float) -> SimilarityBand:
        if score >= self.same_from:
            return SimilarityBand.SAME
        if score > self.different_to:
            return SimilarityBand.POSSIBLE
        return SimilarityBand.DIFFERENT

    def distance_for(self, model: str, score: float) -> float:
        """The largest distance that still scores `score` (inverts the map, for 1:N thresholds)."""
        calibration = self.for_model(model)
        return float(np.interp(-score, -np.asarray(calibration.scores), calibration.distances))


def cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Both unit length (as stored): 1 - a.b."""
    return float(1.0 - np.dot(a, b))


@lru_cache(maxsize=1)
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    try:
        return Calibration.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as error:
        raise PhotoflowError(f"the similarity calibration {path} cannot be used: {error}") from error
