"""Stage 1 on one photo: decode, standardise to the spec, and run every measure on the spec image.

`check_photo` is the single code path behind batch review and `photoflow check`. A photo that already
has the spec's pixel size (a studio's spec image) is reviewed as it is, not re-cropped: re-cropping a
finished image would hide its framing faults instead of reporting them. Its own bytes become the spec
image only when they carry no metadata (a phone's GPS position would reach the registry); otherwise its
pixels are encoded again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.analyzer import FaceAnalysis, FaceAnalyzer
from photoflow.face.landmarks import FaceLandmarks
from photoflow.photos.decode import DecodedPhoto, PhotoRefusedError, decode_upload
from photoflow.photos.served import carries_metadata
from photoflow.quality import frame_rules, head_rules, measures
from photoflow.quality.measurement import Measurement, at_least, failed, within
from photoflow.quality.standardise import encode_in_band, standardise
from schemas.reasons import PhotoReason as R


@dataclass
class PhotoCheck:
    """Everything stage 1 found out about one photo; `passed` only when every measure passed."""

    file: str
    measurements: list[Measurement] = field(default_factory=list)
    refusal: str | None = None  # why the file could not be read at all, in words
    decoded: DecodedPhoto | None = None
    source_face: FaceLandmarks | None = None
    spec_rgb: np.ndarray | None = None  # the spec image, when one could be made
    spec_jpeg: bytes | None = None
    spec_face: FaceLandmarks | None = None
    spec_mask: np.ndarray | None = None
    # source-to-spec affine of a standardised photo: with it the original can be laid over the spec image
    # (quality.recolour measures how much of the person the new background recoloured)
    spec_matrix: np.ndarray | None = None
    standardised: bool = False  # False when a spec-size photo was reviewed as it came

    @property
    def passed(self) -> bool:
        return bool(self.measurements) and all(m.passed for m in self.measurements)

    @property
    def reasons(self) -> list[R]:
        seen: dict[R, None] = {}
        for measurement in self.measurements:
            if not measurement.passed:
                seen.setdefault(measurement.reason)
        return list(seen)


def check_photo(
    data: bytes, *, name: str, analyzer: FaceAnalyzer, spec: PhotoSpec, background: str | None = None
) -> PhotoCheck:
    """Review one photo file's bytes; never raises for a bad photo, it reports it."""
    check = PhotoCheck(file=name)
    try:
        decoded = decode_upload(data, name=name, intake=spec.intake)
    except PhotoRefusedError as refused:
        check.refusal = str(refused)
        check.measurements.append(failed("file", refused.reason))
        return check
    check.decoded = decoded
    check.measurements += file_measures(decoded, spec)
    colour = spec.background_rgb(background)
    if (decoded.width, decoded.height) == (spec.image.width, spec.image.height):
        spec_rgb = decoded.rgb
        keep = decoded.format == "JPEG" and _fits_band(len(data), spec) and not carries_metadata(data)
        spec_jpeg = data if keep and (decoded.jpeg_quality or 0) >= spec.image.min_quality else None
        check.spec_jpeg = spec_jpeg or encode_in_band(spec_rgb, spec)[0]
        spec_analysis = analyzer.analyse(spec_rgb)
    else:
        source = analyzer.analyse(decoded.rgb)
        check.source_face = source.landmarks
        made, source_checks = standardise(decoded.rgb, source, spec, colour)
        check.measurements += source_checks
        if made is None:
            if source.landmarks is not None:  # tell the student every fault at once, not one per reshoot
                check.measurements += face_measures(decoded.rgb, source.landmarks, spec)
            return check
        check.standardised = True
        spec_rgb, check.spec_jpeg, check.spec_matrix = made.rgb, made.jpeg, made.matrix
        # faces were counted in the whole original and the mask is the one the background was made
        # from, so only the mesh is found again, on the image actually delivered
        mesh = analyzer.analyse(spec_rgb, whole_picture=False)
        spec_analysis = FaceAnalysis(source.faces, mesh.landmarks, made.mask)
    check.spec_rgb = spec_rgb
    check.spec_face, check.spec_mask = spec_analysis.landmarks, spec_analysis.person_mask
    check.measurements += spec_measures(spec_rgb, spec_analysis, check.spec_jpeg, colour, spec)
    return check


def file_measures(decoded: DecodedPhoto, spec: PhotoSpec) -> list[Measurement]:
    colour = Measurement("colour", None, not decoded.greyscale, R.GREYSCALE)
    if decoded.jpeg_quality is None:
        return [colour]
    return [
        colour,
        at_least(
            "source_jpeg_quality",
            decoded.jpeg_quality,
            spec.intake.min_source_jpeg_quality,
            R.HEAVY_COMPRESSION,
        ),
    ]


def spec_measures(
    rgb: np.ndarray, analysis: FaceAnalysis, jpeg: bytes, colour: tuple[int, int, int], spec: PhotoSpec
) -> list[Measurement]:
    """Every stage 1 measure on the spec image."""
    found = [measures.face_count(analysis.face_count)]
    face = analysis.landmarks
    if face is not None:
        top = measures.head_top(analysis.person_mask, face)
        found.append(frame_rules.eye_tilt(face, spec))
        found += frame_rules.positions(face, top, spec)
        found += face_measures(rgb, face, spec)
        found.append(measures.sharpness(rgb, face, spec))
        found.append(head_rules.headwear(rgb, analysis.person_mask, face, spec))
        found += head_rules.ears(rgb, analysis.person_mask, face, spec)
        found += head_rules.shoulders_level(rgb, analysis.person_mask, face, colour, spec)
    strips = frame_rules.foreign_strips(rgb, analysis.person_mask, spec)
    found.append(frame_rules.edges(strips, spec))
    found += measures.background(rgb, frame_rules.without_strips(analysis.person_mask, strips), colour, spec)
    found += jpeg_measures(jpeg, spec)
    return found


def face_measures(rgb: np.ndarray, face: FaceLandmarks, spec: PhotoSpec) -> list[Measurement]:
    """Measures that hold in any framing, so they also run on an original that could not be standardised."""
    return [
        *measures.head_turn(face, spec),
        measures.eyes_open(face, spec),
        *measures.mouth(rgb, face, spec),
        *measures.eyes_visible(rgb, face, spec),
        *measures.light(rgb, face, spec),
    ]


def jpeg_measures(jpeg: bytes, spec: PhotoSpec) -> list[Measurement]:
    """The spec image's file: pixel size, JPEG, and size in the band."""
    with Image.open(io.BytesIO(jpeg)) as image:
        right_form = image.format == "JPEG" and image.size == (spec.image.width, spec.image.height)
    size_kb = len(jpeg) / 1024
    return [
        Measurement("spec_format", None, right_form, R.SPEC_FORMAT),
        within("file_size_kb", size_kb, spec.image.min_kb, spec.image.max_kb, R.FILE_SIZE),
    ]


def _fits_band(size: int, spec: PhotoSpec) -> bool:
    return spec.image.min_kb * 1024 <= size <= spec.image.max_kb * 1024
