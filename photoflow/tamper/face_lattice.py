"""A face re-rendered after the photo's first compression: whitened, brightened, recoloured or smoothed.

Every 8 x 8 block an editor leaves alone keeps the first compression's quantisation lattice through a
second save, in its mean (DC) and in its AC values. A tone slider ("美白", "提亮", "红润") scales and
shifts the face's values, and smoothing rewrites them, so the face's blocks lose that lattice while
the rest of the photo keeps it. The face's skin and the rest of the photo are each tested as one region
against both models, with "compressed once" built from the region's own content
(`compression.region_lattice`), so smooth skin does not pass for an edit; this also holds when the
second save was coarser than the first, where the lattice left is faint but is still read over the
face's thousand or more blocks. A finding needs both: the face low on its own, and low against the
rest of the same photo (a photo whose history the model fits less well reads low everywhere).
"""

from __future__ import annotations

from data_contracts.tamper_spec import TamperSpec
from photoflow.face.landmarks import FaceLandmarks
from photoflow.tamper.compression import CompressionResult, LatticeShare, region_lattice
from photoflow.tamper.findings import TamperFinding, ratio_score
from photoflow.tamper.skin_regions import beyond_face, face_skin
from schemas.reasons import TamperReason


def face_and_rest(
    result: CompressionResult, face: FaceLandmarks, shape: tuple[int, ...], spec: TamperSpec
) -> tuple[LatticeShare, LatticeShare] | None:
    """The lattice share of the face's skin and of the rest of the photo; None when the photo was
    compressed only once, when its first compression shows on fewer than `min_frequencies` frequencies
    (a faint lattice, as a coarse re-save leaves, reads low on a face left alone), or either region
    cannot tell once from twice (under `min_span` nats)."""
    if (
        result.double_evidence < spec.compression.min_double_evidence
        or result.frequencies < spec.face_lattice.min_frequencies
    ):
        return None
    mask = face_skin(shape, face)
    skin = region_lattice(result, mask, spec.compression)
    rest = region_lattice(result, beyond_face(mask, face), spec.compression)
    if skin is None or rest is None or min(skin.span, rest.span) < spec.face_lattice.min_span:
        return None
    return skin, rest


def face_lattice_finding(
    result: CompressionResult, face: FaceLandmarks, shape: tuple[int, ...], spec: TamperSpec
) -> TamperFinding | None:
    """A finding when the face's skin keeps clearly less of the first compression than unedited faces
    do and than the rest of its photo does; None otherwise, or when it cannot be read."""
    scale = spec.face_lattice
    readings = face_and_rest(result, face, shape, spec)
    if readings is None:
        return None
    skin, rest = readings
    if skin.share >= scale.clear_ratio or skin.share > scale.max_share_of_rest * rest.share:
        return None
    detail = (
        f"the face's {skin.blocks} blocks keep {skin.share:.2f} of the first-compression lattice, the rest "
        f"of the photo {rest.share:.2f} (unedited photos saved again: the face {scale.clear_ratio:.2f} and "
        f"more; flagged at {scale.flag_ratio:.2f} and below, and at most {scale.max_share_of_rest:.2f} of "
        "the rest's)"
    )
    score = ratio_score(skin.share, scale, spec.flag_score)
    return TamperFinding(TamperReason.FACE_COMPRESSION_DIFFERS, round(score, 1), detail)
