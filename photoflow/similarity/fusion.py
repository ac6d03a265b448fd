"""Is a photo a fused face (two people blended into one)? Judged from its similarity pattern in the batch.

A vendor who cannot make a photo pass stage 3 honestly can blend the student's face with another face:
the blend scores well against the student's reference and also against the other person. A genuine
photo is far closer to its own references than to anyone else, so two patterns are flagged for a
person to look at:

- SECOND_IDENTITY: another record of the batch (its references or its current photo) scores nearly as
  high as the record's own best reference, or higher. Judging the other identity by the margin to the
  record's own score, not by a fixed score, is what keeps false flags rare as the batch grows: an
  unrelated look-alike in a large batch can score high, but rarely within a few points of the same
  person's ID-style photo. Without a usable reference there is no margin, and only a score in the
  "same person" band counts.
- PULLED_TOWARDS: the photo scores far higher to another record's reference than the record's own
  reference does. A genuine photo of A resembles B only as much as A's reference does (look-alikes
  cancel out), while a face fused with B's is pulled towards B.
- BETWEEN_REFERENCES: the record's two references show different people and the photo scores well
  against both: a face made to sit between two identities.

Pure functions, no database: vectors in, findings out. Thresholds live in
`data_contracts/fusion_rules.toml`, fitted by `benchmarks/calibrate_fusion.py`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from photoflow.errors import PhotoflowError
from photoflow.similarity.scoring import Calibration
from schemas.reasons import FusionReason
from schemas.similarity import ComparisonKind

RULES_FILE = Path(__file__).resolve().parents[2] / "data_contracts" / "fusion_rules.toml"
REFERENCE_NAMES = {ComparisonKind.ID_REGISTRY: "ID-registry", ComparisonKind.ENROLLMENT: "enrollment"}


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecondIdentityRule(_Rules):
    min_score: float = Field(ge=0, le=100, description="Another identity must score above this at all.")
    max_margin: float = Field(ge=0, le=100, description="Own best score minus the other's: flag at or below.")
    alone_min_score: float = Field(ge=0, le=100, description="With no usable reference: flag at or above.")


class BetweenReferencesRule(_Rules):
    references_below: float = Field(ge=0, le=100, description="References scoring at or below: two people.")
    min_score: float = Field(ge=0, le=100, description="The photo scores at least this to both references.")


class PulledTowardsRule(_Rules):
    min_score: float = Field(ge=0, le=100, description="The other student's reference scores at least this.")
    min_lift: float = Field(ge=0, le=100, description="Photo's score minus own reference's: flag from here.")


class FusionRules(_Rules):
    fitted_on: str
    fitted_at: str
    second_identity: SecondIdentityRule
    pulled_towards: PulledTowardsRule
    between_references: BetweenReferencesRule


@lru_cache(maxsize=1)
def load_fusion_rules(path: Path = RULES_FILE) -> FusionRules:
    """The committed thresholds; a missing, unreadable or incomplete file is an error that names it."""
    try:
        return FusionRules.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError) as error:
        raise PhotoflowError(
            f"the fusion rules {path} cannot be used: {error}; restore it from version control or "
            "rerun benchmarks/calibrate_fusion.py for the suggested values"
        ) from error


@dataclass(frozen=True)
class OtherIdentities:
    """The batch's other records as vectors: `record_ids[i]` owns row `vectors[i]` (several rows each)."""

    record_ids: np.ndarray  # int64, one per row
    vectors: np.ndarray  # float32, n x d, unit rows

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or len(self.record_ids) != len(self.vectors):
            raise ValueError(
                f"{len(self.record_ids)} record ids for vectors of shape {self.vectors.shape}: "
                "need one id per row of an n x d matrix"
            )

    @classmethod
    def empty(cls, dimensions: int) -> OtherIdentities:
        return cls(np.zeros(0, dtype=np.int64), np.zeros((0, dimensions), dtype=np.float32))


@dataclass(frozen=True)
class FusionFinding:
    reason: FusionReason
    detail: str  # English, with the scores, for the reviewer
    other_record_id: int | None = None
    score: float | None = None  # the score that made the finding (to the other identity, or the lower one)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason.value,
            "label": self.reason.label,
            "detail": self.detail,
            "other_record_id": self.other_record_id,
            "score": self.score,
        }


@dataclass(frozen=True)
class FusionCheck:
    findings: list[FusionFinding] = field(default_factory=list)
    nearest_other_record: int | None = None
    nearest_other_score: float | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "findings": [finding.as_dict() for finding in self.findings],
            "nearest_other_record": self.nearest_other_record,
            "nearest_other_score": self.nearest_other_score,
        }


def check_fusion(
    photo: np.ndarray,
    references: Mapping[ComparisonKind, np.ndarray],
    others: OtherIdentities,
    *,
    model: str,
    calibration: Calibration,
    rules: FusionRules,
) -> FusionCheck:
    """Findings for one record's photo against its references and the batch's other identities.

    `references` holds the record's usable reference embeddings (a missing one is simply absent); all
    vectors are unit length in the `model`'s space. One matrix product scores every other row.
    """
    own = {kind: _score(photo @ vector, model, calibration) for kind, vector in references.items()}
    findings = _between_references(own, references, model, calibration, rules.between_references)
    similarities = (
        others.vectors @ np.asarray(photo, dtype=others.vectors.dtype)
        if len(others.vectors)
        else np.zeros(0, np.float32)  # no other identity (an empty set may have no width)
    )
    nearest_record, nearest_score = _nearest_other(similarities, others, model, calibration)
    if nearest_record is not None and nearest_score is not None:
        finding = _second_identity(own, nearest_record, nearest_score, rules.second_identity)
        if finding is None and own:
            kind = max(own, key=own.__getitem__)
            finding = _pulled_towards(
                similarities, references[kind], kind, others, model, calibration, rules.pulled_towards
            )
        if finding is not None:
            findings.insert(0, finding)
    return FusionCheck(findings, nearest_record, nearest_score)


def _pulled_towards(
    similarities: np.ndarray,
    reference: np.ndarray,
    kind: ComparisonKind,
    others: OtherIdentities,
    model: str,
    calibration: Calibration,
    rule: PulledTowardsRule,
) -> FusionFinding | None:
    """The other record the photo is pulled towards most, beyond what the record's own reference shows.

    Look-alikes cancel out: if B resembles A, A's own reference resembles B as much as the photo does.
    """
    to_photo = calibration.score(model, 1.0 - similarities)
    to_reference = calibration.score(
        model, 1.0 - others.vectors @ np.asarray(reference, others.vectors.dtype)
    )
    lift = np.where(to_photo >= rule.min_score, to_photo - to_reference, -np.inf)
    best = int(np.argmax(lift))
    if lift[best] < rule.min_lift:
        return None
    other, score = int(others.record_ids[best]), float(to_photo[best])
    detail = (
        f"the photo scores {score:.1f} to record {other}, {lift[best]:.1f} points more than its own "
        f"{REFERENCE_NAMES[kind]} photo does ({float(to_reference[best]):.1f}; genuine photos stay within "
        f"{rule.min_lift:.0f})"
    )
    return FusionFinding(FusionReason.PULLED_TOWARDS, detail, other, score)


def _score(similarity: float | np.ndarray, model: str, calibration: Calibration) -> float:
    return float(calibration.score(model, 1.0 - float(similarity)))


def _nearest_other(
    similarities: np.ndarray, others: OtherIdentities, model: str, calibration: Calibration
) -> tuple[int | None, float | None]:
    """The other record whose closest row is closest to the photo, and that row's score."""
    if not len(similarities):
        return None, None
    best = int(np.argmax(similarities))
    return int(others.record_ids[best]), _score(similarities[best], model, calibration)


def _second_identity(
    own: Mapping[ComparisonKind, float], other_record: int, other_score: float, rule: SecondIdentityRule
) -> FusionFinding | None:
    if not own:
        if other_score < rule.alone_min_score:
            return None
        detail = (
            f"no usable reference photo, and the photo scores {other_score:.1f} to record {other_record} "
            f"(flagged at {rule.alone_min_score:g} and above)"
        )
    else:
        kind, own_score = max(own.items(), key=lambda item: item[1])
        margin = own_score - other_score
        if other_score <= rule.min_score or margin > rule.max_margin:
            return None
        detail = (
            f"the photo scores {other_score:.1f} to record {other_record} and {own_score:.1f} to its own "
            f"{REFERENCE_NAMES[kind]} photo: a lead of {margin:.1f} points (a genuine photo's own "
            f"reference leads by more than {rule.max_margin:g})"
        )
    return FusionFinding(FusionReason.SECOND_IDENTITY, detail, other_record, other_score)


def _between_references(
    own: Mapping[ComparisonKind, float],
    references: Mapping[ComparisonKind, np.ndarray],
    model: str,
    calibration: Calibration,
    rule: BetweenReferencesRule,
) -> list[FusionFinding]:
    if len(references) < 2:
        return []
    first, second = (kind for kind in ComparisonKind if kind in references)
    apart = _score(references[first] @ references[second], model, calibration)
    lower = min(own[first], own[second])
    if apart > rule.references_below or lower < rule.min_score:
        return []
    detail = (
        f"the {REFERENCE_NAMES[first]} photo and the {REFERENCE_NAMES[second]} photo score {apart:.1f} "
        f"to each other (different people at {rule.references_below:g} and below), yet the photo scores "
        f"{own[first]:.1f} and {own[second]:.1f} to them (both at {rule.min_score:g} or above)"
    )
    return [FusionFinding(FusionReason.BETWEEN_REFERENCES, detail, None, lower)]
