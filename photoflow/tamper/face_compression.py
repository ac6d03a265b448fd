"""A face re-rendered after the first compression: recoloured, brightened or smoothed inside its outline.

A photo saved again at a higher quality than before keeps the first compression's lattice in every
8 x 8 block the editor left alone. Changing the face's tone (a "美白" whitening, a brightening) scales
its DCT coefficients, and smoothing rewrites them, so those blocks lose the lattice while the neck,
untouched, keeps it. The per-block "compressed twice" evidence of `compression.analyse` is compared
between the cheeks and the neck of the same photo: what content does to the evidence cancels, what
the edit did remains. A coarser second save leaves too faint a lattice to read per region, so the
comparison is only made when the whole photo's evidence is strong.
"""

from __future__ import annotations

import numpy as np

from data_contracts.tamper_spec import FaceCompressionSpec, TamperSpec
from photoflow.tamper.compression import BLOCK, CompressionResult
from photoflow.tamper.findings import TamperFinding, face_neck_finding
from photoflow.tamper.skin_regions import SkinRegions, block_mask
from schemas.tamper_reasons import TamperReason


def lattice_ratio(block_llr: np.ndarray, regions: SkinRegions, spec: FaceCompressionSpec) -> float | None:
    """Cheeks' mean per-block evidence / the neck's; None when the neck does not clearly carry the
    lattice (too few blocks, or a mean within `min_neck_t` standard errors of zero)."""
    rows, cols = block_llr.shape
    cheeks = block_mask(regions.cheeks, BLOCK)[:rows, :cols]
    neck = block_llr[block_mask(regions.neck_mask(), BLOCK)[:rows, :cols]]
    if neck.size < spec.min_neck_blocks or not cheeks.any():
        return None
    neck_mean = float(neck.mean())
    if neck_mean * np.sqrt(neck.size) < spec.min_neck_t * max(float(neck.std()), 1e-6):
        return None
    return float(block_llr[cheeks].mean()) / neck_mean


def face_compression_finding(
    result: CompressionResult, regions: SkinRegions, spec: TamperSpec
) -> TamperFinding | None:
    """A finding when the cheeks carry clearly less of the first compression than the neck; None when
    they do not, or when the photo's lattice is too faint (below the compression section's
    `min_local_evidence`) to read per region."""
    if result.double_evidence < spec.compression.min_local_evidence:
        return None
    scale = spec.face_compression
    ratio = lattice_ratio(result.block_llr, regions, scale)
    if ratio is None:
        return None
    return face_neck_finding(
        TamperReason.FACE_COMPRESSION_DIFFERS, ratio, scale, spec.flag_score,
        trace="first-compression trace", unedited="unedited portraits re-saved",
    )  # fmt: skip
