"""Localised aligned double-JPEG analysis: does each part of the photo share the image's first compression?

A JPEG decoded, edited and saved again carries two compressions. Where the pixels were left alone, each
8 x 8 block's DCT coefficients still sit near multiples of the *first* quantisation step, which shows as a
periodic pattern (gaps or peaks) in the histogram of the *second* quantised values. Where the pixels were
repainted (a pasted face, a recoloured or smoothed skin), that lattice is gone: the block looks compressed
once. So: estimate the first step per frequency from the whole image's histograms, score every block by
how much more likely its coefficients are under "compressed twice" than "once", and look for a face-sized
window that reads "once" while the image as a whole reads "twice". A photo compressed once, or re-saved
uniformly, has no such window: a globally consistent history is not a sign of editing.

The block's mean (DC) is read too: every block has one, so flat skin, which leaves few non-zero AC
values, still carries the lattice there. And a region can be tested on its own (`region_lattice`),
with "compressed once" modelled from that region's own content, which is what makes a faint lattice
(a second save coarser than the first) readable per region.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from PIL import ImageFile
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
# Luma this far from mid-grey (0-255 scale: 240 and up, 16 and below) is at or near what a decoder
# clipped: an overexposed cheek or a white backdrop has no first-compression lattice to keep, edited or
# not, so region tests leave such blocks out.
CLIPPED_LUMA = 112.0


def _dct_matrix() -> np.ndarray:
    """Orthonormal 8-point DCT-II, the transform JPEG quantises."""
    k = np.arange(BLOCK)[:, None]
    n = np.arange(BLOCK)[None, :]
    matrix = np.cos(math.pi * (2 * n + 1) * k / (2 * BLOCK)) * math.sqrt(2 / BLOCK)
    matrix[0] /= math.sqrt(2)
    return matrix


DCT = _dct_matrix()


@dataclass(frozen=True)
class LumaCoefficients:
    """The photo's luma DCT as the decoder holds it, and the same transform on a grid shifted by half a
    block, where no lattice survives: it stands in for the photo before any compression."""

    quantised: np.ndarray  # blocks_y x blocks_x x 64 (row-major frequencies), integers
    misaligned: np.ndarray  # shifted blocks_y x blocks_x x 64, unquantised
    table: np.ndarray  # the luma quantisation table, 64 steps
    clipped: np.ndarray  # blocks_y x blocks_x bool: a pixel at black or white, which no lattice survives
    clipped_misaligned: np.ndarray  # the same on the shifted grid


@dataclass(frozen=True)
class FrequencyFit:
    """One frequency whose histogram shows a first compression: its row-major index and both steps."""

    index: int
    first_step: int
    second_step: int


@dataclass(frozen=True)
class CompressionResult:
    """What the analysis found; `double_evidence` is in nats, summed over the informative frequencies."""

    double_evidence: float  # whole image: log-likelihood gain of "compressed twice" over "once"
    frequencies: int  # frequencies whose histograms show a first-compression lattice
    window_llr: float  # the most "compressed once" face-sized window: its summed log-likelihood ratio
    window_box: tuple[int, int, int, int]  # x, y, width, height in pixels
    block_llr: np.ndarray = field(repr=False)  # per 8 x 8 block (rows, columns): "twice" over "once"
    fits: tuple[FrequencyFit, ...] = ()
    coefficients: LumaCoefficients | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LatticeShare:
    """How much of the first compression's lattice a region keeps: 1 where it reads as the model of
    "compressed twice" expects, 0 where it reads "compressed once"; `span` (nats) is how far apart the
    two expectations lie, that is how much the region can tell."""

    share: float
    span: float
    blocks: int


def _tiles(pixels: np.ndarray) -> np.ndarray:
    """The photo's 8 x 8 blocks (JPEG's grid, from the top-left) as rows x 8 x columns x 8."""
    rows, cols = pixels.shape[0] // BLOCK, pixels.shape[1] // BLOCK
    return pixels[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)


def _block_dct(luma: np.ndarray) -> np.ndarray:
    blocks = _tiles(luma).transpose(0, 2, 1, 3)
    return (DCT @ blocks @ DCT.T).reshape(*blocks.shape[:2], 64)


def luma_coefficients(image: ImageFile.ImageFile) -> LumaCoefficients | None:
    """The luma DCT read from the decoder's own YCbCr output, so no colour conversion adds rounding.
    `image` must be freshly opened (not yet loaded): once loaded, Pillow has converted it to RGB and
    asking for YCbCr no longer changes what it decoded, so such an image is refused. None where the
    decoder cannot give YCbCr (colour stored in another encoding)."""
    tables = getattr(image, "quantization", None)
    if not tables or image.mode not in ("RGB", "L", "YCbCr"):
        return None
    if not image.tile:
        raise ValueError("the photo was decoded before its luma was asked for: open it afresh")
    if image.mode != "L":
        image.draft("YCbCr", image.size)
        if image.mode != "YCbCr":
            return None
    pixels = np.asarray(image)
    luma = (pixels if pixels.ndim == 2 else pixels[..., 0]).astype(np.float32) - 128.0
    if min(luma.shape) < 4 * BLOCK:
        return None
    table = np.asarray(tables[0], np.float32)
    quantised = np.rint(_block_dct(luma) / table).astype(np.int32)
    shift = BLOCK // 2
    clipped = np.abs(luma) >= CLIPPED_LUMA
    return LumaCoefficients(
        quantised,
        _block_dct(luma[shift:, shift:]),
        table,
        _tiles(clipped).any(axis=(1, 3)),
        _tiles(clipped[shift:, shift:]).any(axis=(1, 3)),
    )


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


def _through(unquantised: np.ndarray, q1: int, q2: int, radius: int, spec: CompressionSpec) -> np.ndarray:
    """Histogram of second-compression bins expected if `unquantised` had first been quantised by q1."""
    span = _span(q1, q2, radius)
    levels = np.clip(np.rint(unquantised / q1).astype(np.int64), -span, span) + span
    counts = np.bincount(levels, minlength=2 * span + 1).astype(np.float64)
    return counts @ _requantise(q1, q2, radius, spec.rounding_noise) + 0.5


@lru_cache(maxsize=64)
def _groups(period: int, radius: int) -> np.ndarray:
    """Each bin's group: runs of `period` bins outwards from zero on each side (zero alone), so a test
    inside a group reads the lattice pattern and not how large the values are."""
    bins = np.arange(-radius, radius + 1)
    return np.sign(bins) * ((np.abs(bins) + period - 1) // period)


@dataclass(frozen=True)
class _FrequencyModel:
    """Per bin: the probability of a value given its group under "once" and "twice", and their
    log-likelihood ratio; `gain` is the histogram's sum of it (nats), `first_step` the q1 assumed."""

    groups: np.ndarray
    once: np.ndarray
    twice: np.ndarray
    llr: np.ndarray
    gain: float
    first_step: int

    def expected(self, histogram: np.ndarray) -> tuple[float, float]:
        """The histogram's summed llr expected if its values were compressed once, and twice: each
        value keeps its group (how large it is) and is spread over the group as each model says."""
        in_group = _group_sum(histogram.astype(np.float64), self.groups)
        return float((in_group * self.once * self.llr).sum()), float((in_group * self.twice * self.llr).sum())


def _group_sum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    offset = groups - groups.min()
    return np.bincount(offset, weights=values)[offset]


def _histogram(values: np.ndarray, radius: int) -> np.ndarray:
    histogram = np.bincount(np.clip(values, -radius, radius) + radius, minlength=2 * radius + 1)
    histogram[[0, -1]] = 0  # clipped tails
    return histogram


def _model(
    histogram: np.ndarray,
    unquantised: np.ndarray,
    once: np.ndarray,
    q1: int,
    q2: int,
    radius: int,
    spec: CompressionSpec,
) -> _FrequencyModel:
    """`once` is `_through(unquantised, 1, q2, ...)`, shared by every q1 tried."""
    groups = _groups(q1 // math.gcd(q1, q2), radius)
    twice = _through(unquantised, q1, q2, radius, spec)
    once = once / _group_sum(once, groups)
    twice = twice / _group_sum(twice, groups)
    llr = np.clip(np.log(twice / once), -spec.max_llr, spec.max_llr)
    llr[groups == 0] = 0.0
    return _FrequencyModel(groups, once, twice, llr, float((histogram * llr).sum()), q1)


def _fit_frequency(
    values: np.ndarray, unquantised: np.ndarray, q2: int, radius: int, spec: CompressionSpec
) -> _FrequencyModel | None:
    """The first step q1 that best explains this frequency's histogram, if it explains it clearly.
    `unquantised` are the same frequency's coefficients on a grid shifted by half a block, where no
    lattice survives: they stand in for the photo before any compression."""
    histogram = _histogram(values, radius)
    if histogram.sum() - histogram[radius] < spec.min_values:
        return None
    once = _through(unquantised, 1, q2, radius, spec)
    candidates = (
        _model(histogram, unquantised, once, q1, q2, radius, spec)
        for q1 in range(2, spec.max_first_step + 1)
        if q1 != q2
    )
    best = max(candidates, key=lambda model: model.gain)
    return best if best.gain >= spec.min_frequency_gain else None


def _radius(index: int, spec: CompressionSpec) -> int:
    """Block means (DC) spread over hundreds of steps; AC values beyond the histogram radius are rare."""
    return spec.dc_radius if index == 0 else spec.histogram_radius


def analyse(image: ImageFile.ImageFile, spec: CompressionSpec) -> CompressionResult | None:
    """Whole-image double-compression evidence and the least consistent face-sized window; None when
    the image has no usable luma DCT (not a JPEG, CMYK, too small). `image` must not be loaded yet
    (see `luma_coefficients`)."""
    read = luma_coefficients(image)
    if read is None:
        return None
    quantised, table = read.quantised, read.table
    block_llr = np.zeros(quantised.shape[:2], np.float32)
    evidence, fits = 0.0, []
    for position in range(spec.frequencies + 1):  # the DC and the lowest AC frequencies
        index = NATURAL_INDEX[position]
        radius = _radius(index, spec)
        values, step = quantised[..., index], int(table[index])
        model = _fit_frequency(values.ravel(), read.misaligned[..., index].ravel(), step, radius, spec)
        if model is None:
            continue
        evidence += model.gain
        fits.append(FrequencyFit(index, model.first_step, step))
        block_llr += model.llr[np.where(np.abs(values) < radius, values, 0) + radius]
    side = max(2, round(min(block_llr.shape) * spec.window_fraction))
    window = cv2.boxFilter(block_llr, -1, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
    y, x = (int(i) for i in np.unravel_index(int(np.argmin(window)), window.shape))
    box = (max(0, x - side // 2) * BLOCK, max(0, y - side // 2) * BLOCK, side * BLOCK, side * BLOCK)
    low = float(window[y, x]) if fits else 0.0
    return CompressionResult(evidence, len(fits), low, box, block_llr, tuple(fits), read)


def region_lattice(result: CompressionResult, mask: np.ndarray, spec: CompressionSpec) -> LatticeShare | None:
    """The share of the photo's first-compression lattice that the pixels under `mask` (bool, the
    photo's height x width) keep, read on every frequency the whole photo showed it on. "Compressed
    once" is modelled from the region's own shifted-grid coefficients, so what the region's content does
    to the histograms (smooth skin: steep, mostly small values) is in both models and cancels. Blocks
    with a clipped pixel are left out. None when the region has no such blocks or the photo showed no
    lattice."""
    read = result.coefficients
    if read is None or not result.fits:
        return None
    rows, cols = read.quantised.shape[:2]
    inside = block_mask(mask)[:rows, :cols] & ~read.clipped
    shift = BLOCK // 2
    shifted_rows, shifted_cols = read.misaligned.shape[:2]
    inside_shifted = block_mask(mask[shift:, shift:])[:shifted_rows, :shifted_cols] & ~read.clipped_misaligned
    if not inside.any() or not inside_shifted.any():
        return None
    observed = once = twice = 0.0
    for fit in result.fits:
        radius = _radius(fit.index, spec)
        histogram = _histogram(read.quantised[..., fit.index][inside], radius)
        unquantised = read.misaligned[..., fit.index][inside_shifted]
        once_counts = _through(unquantised, 1, fit.second_step, radius, spec)
        model = _model(histogram, unquantised, once_counts, fit.first_step, fit.second_step, radius, spec)
        expected_once, expected_twice = model.expected(histogram)
        observed, once, twice = observed + model.gain, once + expected_once, twice + expected_twice
    span = twice - once
    share = (observed - once) / span if span > 0 else 1.0
    return LatticeShare(share, span, int(inside.sum()))


def block_mask(mask: np.ndarray) -> np.ndarray:
    """The 8 x 8 blocks that lie mostly inside `mask`."""
    return _tiles(mask).mean(axis=(1, 3)) > 0.5
