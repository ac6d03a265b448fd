"""Load the registry photo spec from `photo_spec.toml`: the one source of every number stage 1 uses."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

SPEC_FILE = Path(__file__).with_name("photo_spec.toml")

Band = tuple[float, float]
RGB = tuple[int, int, int]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageSpec(_Section):
    width: int
    height: int
    format: str
    min_quality: int
    min_kb: float
    max_kb: float


class BackgroundSpec(_Section):
    reference_rgb: RGB
    variants: dict[str, RGB]
    max_colour_distance: float
    max_std: float
    max_source_texture: float


class GeometrySpec(_Section):
    head_top: Band
    eye_line: Band
    face_width: Band
    target_head_top: float
    target_eye_line: float
    target_face_width: float
    band_margin: float
    grid_step: float
    face_width_weight: float


class IntakeSpec(_Section):
    accepted_formats: frozenset[str]
    max_file_mb: float
    max_pixels: int
    min_source_face_width: float
    min_source_jpeg_quality: int
    max_roll_correction: float
    max_rows_from_outside: float
    max_hair_at_top_edge: float

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


class PoseSpec(_Section):
    max_yaw: float
    max_pitch: float


class HeadSpec(_Section):
    min_forehead_skin: float
    min_covering_to_hair: float
    min_temple_hair_px: int
    max_forehead_edge: float
    min_ear_width: float
    max_ear_difference: float
    shoulder_offsets: Band
    min_shoulder_to_background: float
    max_shoulder_angle: float


class FaceSpec(_Section):
    min_eye_opening: float
    max_lip_gap: float
    max_teeth_share: float
    smile_weights: dict[str, float]
    smile_bias: float
    max_smile_score: float
    max_glare_share: float
    min_eye_to_skin_brightness: float


class LightSpec(_Section):
    dark_level: float
    max_dark_share: float
    max_clipped_share: float
    max_side_ratio: float
    min_sharpness: float


class MattingSpec(_Section):
    band: int
    reach: int
    wall_distance: float
    hair_distance: float
    min_wall_share: float
    scale: float
    tolerance: float
    snap: float


class RecolourSpec(_Section):
    person_distance: float
    changed_distance: float


class TemplateSpec(_Section):
    max_eye_tilt: float
    max_off_centre: float
    chin_zone: Band
    edge_tolerance: int
    edge_flat_share: float
    edge_boundary_share: float
    edge_colour_distance: float
    max_edge_px: int


class PhotoSpec(_Section):
    image: ImageSpec
    background: BackgroundSpec
    geometry: GeometrySpec
    intake: IntakeSpec
    pose: PoseSpec
    head: HeadSpec
    face: FaceSpec
    light: LightSpec
    template: TemplateSpec
    matting: MattingSpec
    recolour: RecolourSpec

    def background_rgb(self, variant: str | None = None) -> RGB:
        """The background colour an institution chose: the reference light blue unless it names a variant."""
        if variant in (None, "", "reference", "light_blue"):
            return self.background.reference_rgb
        try:
            return self.background.variants[variant]
        except KeyError:
            choices = ", ".join(["light_blue", *self.background.variants])
            raise ValueError(f"background '{variant}' is not one of: {choices}") from None


def read_photo_spec(path: Path) -> PhotoSpec:
    with path.open("rb") as handle:
        return PhotoSpec.model_validate(tomllib.load(handle))


@lru_cache
def load_photo_spec() -> PhotoSpec:
    return read_photo_spec(SPEC_FILE)
