"""Load the tamper check's rules from `tamper_spec.toml`: editor signatures and every threshold."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from photoflow.errors import PhotoflowError

SPEC_FILE = Path(__file__).with_name("tamper_spec.toml")

Score = float


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EditorSignature(_Section):
    name: str
    patterns: tuple[str, ...] = Field(min_length=1)
    score: Score = Field(ge=0, le=100)

    def matches(self, text: str) -> str | None:
        """The first pattern found in `text` (case-insensitive), or None."""
        folded = text.casefold()
        return next((p for p in self.patterns if p.casefold() in folded), None)


class MetadataSpec(_Section):
    photoshop_irb_score: Score = Field(ge=0, le=100)
    adobe_app14_score: Score = Field(ge=0, le=100)
    editors: tuple[EditorSignature, ...]


class CompressionSpec(_Section):
    frequencies: int = Field(ge=1, le=63)
    histogram_radius: int = Field(ge=4)
    dc_radius: int = Field(ge=4)
    max_first_step: int = Field(ge=2)
    rounding_noise: float = Field(gt=0)
    max_llr: float = Field(gt=0)
    min_values: int = Field(ge=1)
    min_frequency_gain: float
    min_double_evidence: float
    min_local_evidence: float
    window_fraction: float = Field(gt=0, le=1)
    max_window_offset: float = Field(gt=0)
    max_window_llr: float = Field(lt=0)
    score: Score = Field(ge=0, le=100)


class CopyMoveSpec(_Section):
    max_side: int = Field(ge=64)
    max_keypoints: int = Field(ge=10)
    ratio: float = Field(gt=0, lt=1)
    max_distance: float = Field(gt=0)
    min_shift: float = Field(ge=0)
    shift_tolerance: float = Field(gt=0)
    min_cluster: int = Field(ge=2)
    score: Score = Field(ge=0, le=100)


class NeckSpec(_Section):
    top: float = Field(ge=0)
    bottom: float = Field(gt=0)
    half_width: float = Field(gt=0)
    min_pixels: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> NeckSpec:
        if self.top >= self.bottom:
            raise ValueError("neck needs top < bottom")
        return self


class RatioScale(_Section):
    """A face / neck ratio read as a score: 0 from `clear_ratio` up, the flag line at `flag_ratio`,
    `score` at `strong_ratio` and below."""

    clear_ratio: float
    flag_ratio: float
    strong_ratio: float
    score: Score = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> RatioScale:
        if not self.strong_ratio < self.flag_ratio < self.clear_ratio:
            raise ValueError("needs strong_ratio < flag_ratio < clear_ratio")
        return self


class SkinTextureSpec(RatioScale):
    blur_sigma: float = Field(gt=0)


class FaceLatticeSpec(RatioScale):
    min_span: float = Field(gt=0)
    min_frequencies: int = Field(ge=1)
    max_share_of_rest: float = Field(gt=0)


class SeamSpec(_Section):
    above: float = Field(gt=0)
    below: float = Field(gt=0)
    half_width: float = Field(gt=0)
    run: float = Field(gt=0)
    offsets: list[int] = Field(min_length=1)
    floor: float = Field(gt=0)
    clear_contrast: float
    flag_contrast: float
    strong_contrast: float
    score: Score = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> SeamSpec:
        if not self.clear_contrast < self.flag_contrast < self.strong_contrast:
            raise ValueError("needs clear_contrast < flag_contrast < strong_contrast")
        return self


class TamperSpec(_Section):
    flag_score: Score = Field(ge=0, le=100)
    metadata: MetadataSpec
    compression: CompressionSpec
    copy_move: CopyMoveSpec
    neck: NeckSpec
    skin_texture: SkinTextureSpec
    face_lattice: FaceLatticeSpec
    seam: SeamSpec


def read_tamper_spec(path: Path) -> TamperSpec:
    """Parse and validate one spec file; a broken file stops with what is wrong and where."""
    try:
        with path.open("rb") as handle:
            return TamperSpec.model_validate(tomllib.load(handle))
    except OSError as error:
        raise PhotoflowError(f"cannot read the tamper spec {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise PhotoflowError(f"the tamper spec {path} is not valid TOML: {error}; fix the file") from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise PhotoflowError(f"the tamper spec {path} is refused: {problems}; fix the file") from None


@lru_cache
def load_tamper_spec() -> TamperSpec:
    return read_tamper_spec(SPEC_FILE)
