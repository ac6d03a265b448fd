"""Localised aligned double-JPEG analysis: does each part of the photo share the image's first compression?

A JPEG decoded, edited and saved again carries two compressions. Where the pixels were left alone, each
8 x 8 block's DCT coefficients still sit near multiples of the *first* quantisation step, which shows as a
periodic pattern (gaps or peaks) in the histogram of the *second* quantised values. Where the pixels were
repainted (a pasted face, a recoloured or smoothed skin), that lattice is gone: the block looks compressed
once. So: estimate the first step per frequency from the whole image's histograms, score every block by
how much more likely its coefficients are under "compressed twice" than "once", and look for a face-sized
window that reads "once" while the image as a whole reads "twice". A photo compressed once, or re-saved
uniformly, has no such window: a globally consistent history is not a sign of editing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image
from scipy.special import ndtr

from data_contracts.tamper_spec import CompressionSpec

BLOCK = 8
ZIGZAG = tuple(
    sorted(
        ((r, c) for r in range(BLOCK) for c in range(BLOCK)),
        key=lambda p: (p[0] + p[1], p[1] if (p[0] + p[1]) % 2 == 0 else p[0]),
    )
)
NATURAL_INDEX = tuple(r * BLOCK + c for r, c in ZIGZAG)  # zigzag position -> row-major index


def _dct_matrix() -> np.ndarray:
    """Orthonormal 8-point DCT-II, the transform JPEG quantises."""
    k = np.arange(BLOCK)[:, None]
    n = np.arange(BLOCK)[None, :]
    matrix = np.cos(math.pi * (2 * n + 1) * k / (2 * BLOCK)) * math.sqrt(2 / BLOCK)
    matrix[0] /= math.sqrt(2)
    return matrix


DCT = _dct_matrix()


@dataclass(frozen=True)
class CompressionResult:
    """What the analysis found; `double_evidence` is in nats, summed over the informative frequencies."""

    double_evidence: float  # whole image: log-likelihood gain of "compressed twice" over "once"
    frequencies: int  # frequencies whose histograms show a first-compression lattice
    window_llr: float  # the most "compressed once" face-sized window: its summed log-likelihood ratio
    window_box: tuple[int, int, int, int]  # x, y, width, height in pixels
    block_llr: np.ndarray = field(repr=False)  # per 8 x 8 block (rows, columns): "twice" over "once"


def _block_dct(luma: np.ndarray) -> np.ndarray:
    rows, cols = luma.shape[0] // BLOCK, luma.shape[1] // BLOCK
    blocks = luma[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).transpose(0, 2, 1, 3)
    return (DCT @ blocks @ DCT.T).reshape(rows, cols, 64)


def luma_coefficients(image: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Quantised luma DCT values (blocks_y, blocks_x, 64, row-major), the same coefficients on a grid
    shifted by half a block (unquantised, blocks x 64) and the luma quantisation table, read from the
    decoder's own YCbCr output so no colour conversion adds rounding."""
    tables = getattr(image, "quantization", None)
    if not tables or image.mode not in ("RGB", "L", "YCbCr"):
        return None
    image.draft("YCbCr" if image.mode != "L" else "L", image.size)
    pixels = np.asarray(image)
    luma = (pixels if pixels.ndim == 2 else pixels[..., 0]).astype(np.float32) - 128.0
    if min(luma.shape) < 4 * BLOCK:
        return None
    table = np.asarray(tables[0], np.float32)
    quantised = np.rint(_block_dct(luma) / table).astype(np.int32)
    shift = BLOCK // 2
    return quantised, _block_dct(luma[shift:, shift:]).reshape(-1, 64), table


@lru_cache(maxsize=4096)
def _requantise(q1: int, q2: int, radius: int, noise: float) -> np.ndarray:
    """Matrix from first-compression levels (k1 = -span..span, value k1 * q1) to second-compression bins
    (-radius..radius): the share of each level that lands in each bin, given rounding noise between the
    two compressions."""
    bins = np.arange(-radius, radius + 1)
    span = _span(q1, q2, radius)
    levels = np.arange(-span, span + 1)[:, None] * q1
    upper = ((bins[None, :] + 0.5) * q2 - levels) / noise
    lower = ((bins[None, :] - 0.5) * q2 - levels) / noise
    return ndtr(upper) - ndtr(lower)


def _span(q1: int, q2: int, radius: int) -> int:
    return (radius + 1) * q2 // q1 + 2


def _through(unquantised: np.ndarray, q1: int, q2: int, spec: CompressionSpec) -> np.ndarray:
    """Histogram of second-compression bins expected if `unquantised` had first been quantised by q1."""
    span = _span(q1, q2, spec.histogram_radius)
    levels = np.clip(np.rint(unquantised / q1).astype(np.int64), -span, span) + span
    counts = np.bincount(levels, minlength=2 * span + 1).astype(np.float64)
    return counts @ _requantise(q1, q2, spec.histogram_radius, spec.rounding_noise) + 0.5


@lru_cache(maxsize=64)
def _groups(period: int, radius: int) -> np.ndarray:
    """Each bin's group: runs of `period` bins outwards from zero on each side (zero alone), so a test
    inside a group reads the lattice pattern and not how large the values are."""
    bins = np.arange(-radius, radius + 1)
    return np.sign(bins) * ((np.abs(bins) + period - 1) // period)


@dataclass(frozen=True)
class _FrequencyModel:
    """Per bin: the log-likelihood ratio "twice" / "once" of a value given its group; `gain` is the
    whole image's sum of it (nats)."""

    llr: np.ndarray
    gain: float


def _group_sum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    offset = groups - groups.min()
    return np.bincount(offset, weights=values)[offset]


def _model(
    histogram: np.ndarray, once: np.ndarray, unquantised: np.ndarray, q1: int, q2: int, spec: CompressionSpec
) -> _FrequencyModel:
    groups = _groups(q1 // math.gcd(q1, q2), spec.histogram_radius)
    twice = _through(unquantised, q1, q2, spec)
    once = once / _group_sum(once, groups)
    twice = twice / _group_sum(twice, groups)
    llr = np.clip(np.log(twice / once), -spec.max_llr, spec.max_llr)
    llr[groups == 0] = 0.0
    return _FrequencyModel(llr, float((histogram * llr).sum()))


def _fit_frequency(
    values: np.ndarray, unquantised: np.ndarray, q2: int, spec: CompressionSpec
) -> _FrequencyModel | None:
    """The first step q1 that best explains this frequency's histogram, if it explains it clearly.
    `unquantised` are the same frequency's coefficients on a grid shifted by half a block, where no
    lattice survives: they stand in for the photo before any compression."""
    radius = spec.histogram_radius
    histogram = np.bincount(np.clip(values, -radius, radius) + radius, minlength=2 * radius + 1)
    histogram[[0, -1]] = 0  # clipped tails
    if histogram.sum() - histogram[radius] < spec.min_values:
        return None
    once = _through(unquantised, 1, q2, spec)
    candidates = (
        _model(histogram, once, unquantised, q1, q2, spec)
        for q1 in range(2, spec.max_first_step + 1)
        if q1 != q2
    )
    best = max(candidates, key=lambda model: model.gain)
    return best if best.gain >= spec.min_frequency_gain else None


def analyse(image: Image.Image, spec: CompressionSpec) -> CompressionResult | None:
    """Whole-image double-compression evidence and the least consistent face-sized window; None when
    the image has no usable luma DCT (not a JPEG, CMYK, too small)."""
    read = luma_coefficients(image)
    if read is None:
        return None
    quantised, misaligned, table = read
    radius = spec.histogram_radius
    block_llr = np.zeros(quantised.shape[:2], np.float32)
    evidence, used = 0.0, 0
    for position in range(1, spec.frequencies + 1):
        index = NATURAL_INDEX[position]
        values = quantised[..., index]
        model = _fit_frequency(values.ravel(), misaligned[:, index], int(table[index]), spec)
        if model is None:
            continue
        evidence += model.gain
        used += 1
        block_llr += model.llr[np.where(np.abs(values) < radius, values, 0) + radius]
    side = max(2, round(min(block_llr.shape) * spec.window_fraction))
    window = cv2.boxFilter(block_llr, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
    y, x = np.unravel_index(int(np.argmin(window)), window.shape)
    box = (max(0, x - side // 2) * BLOCK, max(0, y - side // 2) * BLOCK, side * BLOCK, side * BLOCK)
    return CompressionResult(evidence, used, float(window[y, x]) if used else 0.0, box, block_llr)
