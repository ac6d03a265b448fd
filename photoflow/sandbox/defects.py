"""Faults injected into a good portrait, so evaluations and tests can show that stage 1 catches each one.

Real defective photos are scarce and rarely labelled per fault; these functions turn a compliant photo
into one with a single known fault. Each imitates something students' photos really do and says where
it belongs: standardisation levels a slightly tilted head, recentres the face and recolours a plain wall,
so those faults only mean something beyond what it may correct (rotation in the raw portrait past
`max_roll_correction`) or in a finished 480 x 640 spec image, which is reviewed as it is (shift,
background colour). The others work on the raw portrait, where a camera or a chat app causes them.
All are pure: they return a new image (or bytes) and leave the input untouched. `INJECTIONS` fixes for
each defect where it goes, how strong it is and which reasons catch it, so the tests and
`benchmarks/evaluate_auto_review.py` inject the same faults.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from data_contracts.photo_spec import PhotoSpec
from photoflow.face.landmarks import CHIN, LEFT_CHEEK_EDGE, MOUTH_LEFT, RIGHT_CHEEK_EDGE, FaceLandmarks
from photoflow.quality.head_rules import BROWS
from photoflow.quality.measures import head_top
from photoflow.quality.review import PhotoCheck
from schemas.reasons import PhotoReason as R

SRGB_GAMMA = 2.2  # close enough to the sRGB curve to turn pixel values into light and back
ID_CARD_RED = (200, 30, 40)  # the backdrop of ID-card photos, a common wrong choice for the registry's blue
CORNER_MARGIN = 8  # px between a pasted face and the picture's edge
DARK_BACKDROP = (55, 60, 70)  # a dark grey wall or curtain
BAD_CROP_PX = 12  # depth of the black strip a crop past the picture's edge leaves


def rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """A camera held crooked or a head tilted sideways; inject into the raw portrait, beyond the roll
    standardisation may correct. Positive degrees turn the picture anticlockwise; corners are filled by
    repeating the edge, as a wall would continue."""
    height, width = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(
        rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def shift(rgb: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """A spec image framed off-centre (a studio's or a student's own crop); inject into the 480 x 640 spec
    image, because standardising a raw portrait recentres the face. The revealed strip repeats the edge."""
    matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    height, width = rgb.shape[:2]
    return cv2.warpAffine(
        rgb, matrix, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE
    )


def darken(rgb: np.ndarray, factor: float) -> np.ndarray:
    """Underexposure: a photo taken in a dim room. The light reaching the camera is scaled by `factor`
    (0.25 is two stops under) in linear light, as a shorter exposure does, not the pixel values.
    Inject into the raw portrait."""
    light = (np.arange(256) / 255.0) ** SRGB_GAMMA * factor
    table = np.clip(np.round(255.0 * light ** (1 / SRGB_GAMMA)), 0, 255).astype(np.uint8)
    return table[rgb]


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    """A face out of focus or a shaken phone: Gaussian blur of `sigma` pixels. Inject into the raw
    portrait, where the camera blurs; standardisation then shrinks the blur with the picture."""
    return cv2.GaussianBlur(rgb, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REPLICATE)


def recolour_background(rgb: np.ndarray, mask: np.ndarray, rgb_colour: tuple[int, int, int]) -> np.ndarray:
    """A backdrop of the wrong colour (the red of an ID-card photo instead of the registry's light blue).
    `mask` is the person mask (1 = person); its soft edge blends hair into the new colour. Inject into
    the spec image: standardising a raw portrait replaces a plain wall's colour anyway."""
    alpha = np.clip(mask.astype(np.float32), 0.0, 1.0)[..., None]
    colour = np.array(rgb_colour, np.float32)
    return np.round(rgb.astype(np.float32) * alpha + colour * (1.0 - alpha)).astype(np.uint8)


def paste_second_face(rgb: np.ndarray, face_rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Someone else in the picture (a friend leaning in, a face on a poster): `face_rgb`, a crop of another
    real photo, is scaled into `box` = (x, y, width, height) with a soft oval edge so it sits in the scene
    rather than on it. Inject into the raw portrait, in a corner away from the student's face."""
    x, y, width, height = box
    out = rgb.copy()
    patch = cv2.resize(face_rgb, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha: np.ndarray = np.zeros((height, width), np.float32)
    cv2.ellipse(alpha, (width // 2, height // 2), (width // 2, height // 2), 0, 0, 360, (1.0,), -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, 0.04 * width))[..., None]
    region = out[y : y + height, x : x + width].astype(np.float32)
    out[y : y + height, x : x + width] = np.round(patch * alpha + region * (1.0 - alpha)).astype(np.uint8)
    return out


def low_resolution(rgb: np.ndarray, factor: float) -> np.ndarray:
    """A thumbnail or a picture shrunk by a messenger: the portrait scaled down by `factor` (0.25 keeps a
    quarter of the width). Inject into the raw portrait; the face is then too small to scale up."""
    height, width = rgb.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def jpeg_compress(rgb: np.ndarray, quality: int) -> bytes:
    """A photo saved again at a low JPEG quality (chat apps, "reduce file size" tools): blocky skin and
    ringing at the hair. Returns the file's bytes, as a student would upload them; use on the raw portrait."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def face_crop(rgb: np.ndarray, face: FaceLandmarks, margin: float = 0.3) -> np.ndarray:
    """The face of `face` with some hair and chin around it: the donor for `paste_second_face`."""
    low, high = face.points[:, :2].min(axis=0), face.points[:, :2].max(axis=0)
    pad = margin * (high - low)
    (left, top), (right, bottom) = np.maximum(low - pad, 0).astype(int), (high + pad).astype(int)
    return rgb[top:bottom, left:right].copy()


# colours hats come in, dark, bright and pale; skin tones (beige, tan) are left out: the headwear
# measure tells a hat from the forehead by colour, and a skin-coloured hat is its known blind spot
HAT_COLOURS = (
    (150, 30, 40),
    (30, 40, 90),
    (120, 120, 125),
    (25, 25, 25),
    (40, 100, 60),
    (230, 230, 225),
)
HAIR_BROWN = (38, 28, 22)


def _head_frame(mask: np.ndarray, face: FaceLandmarks) -> tuple[float, float, float, float, float]:
    """(centre column, head-top row, brow row, eye-to-brow distance, half the skull's width)."""
    brow = float(face.points[list(BROWS), 1].mean())
    top = head_top(mask, face)
    return (
        float(face.eye_midpoint[0]),
        brow - 2.5 * face.face_width / 4 if top is None else top,
        brow,
        float(face.eye_midpoint[1]) - brow,
        0.56 * face.face_width,
    )


def _laid_over(rgb: np.ndarray, layer: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """`layer` over `rgb` where `alpha` is 1, with an edge softened to a pixel or two, as a lens sees it."""
    soft = cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), 1.2)[..., None]
    out = rgb.astype(np.float32) * (1.0 - soft) + layer * soft
    return np.round(out).clip(0, 255).astype(np.uint8)


def knit_beanie(
    rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, colour: tuple[int, int, int], seed: int = 0
) -> np.ndarray:
    """A knit beanie pulled down over the head to just above the brows: a dome a little above the skull
    with vertical ribs, a folded cuff with its stitches, darker towards its sides, and yarn noise.
    Inject into the spec image (`mask` its person mask), whose scale the proportions are set for."""
    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    centre, top, brow, eye_to_brow, half = _head_frame(mask, face)
    half *= 1.08
    bottom = brow - 0.45 * eye_to_brow
    crown = top - 0.12 * (bottom - top)
    cuff_top = bottom - 0.22 * (bottom - crown)
    alpha = np.zeros((height, width), np.float32)
    cv2.ellipse(
        alpha, (round(centre), round(bottom)), (round(half), round(bottom - crown)), 0, 180, 360, (1.0,), -1
    )
    cv2.rectangle(
        alpha, (round(centre - half), round(cuff_top)), (round(centre + half), round(bottom)), (1.0,), -1
    )
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    across = (columns - centre) / max(half, 1.0)
    ribs = 0.5 + 0.5 * np.sin(across * np.pi * 14)
    stitches = (rows > cuff_top) * (0.5 + 0.5 * np.sin(rows / 3.0))
    light = (1.0 - 0.35 * across**2) * (0.8 + 0.2 * ribs) * (1.0 - 0.12 * stitches)
    light += rng.normal(0.0, 0.05, (height, width))
    return _laid_over(rgb, np.array(colour, np.float32) * light[..., None], alpha)


def cap_with_brim(
    rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, colour: tuple[int, int, int], seed: int = 0
) -> np.ndarray:
    """A baseball cap: a smooth cotton crown fitting the skull with panel seams and a top button, the
    brim seen from the front as a flat band across the forehead (darker towards its edge), and its
    shadow on the forehead below. Inject into the spec image (`mask` its person mask)."""
    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    centre, top, brow, eye_to_brow, half = _head_frame(mask, face)
    brim_bottom = brow - 0.25 * eye_to_brow
    brim_top = brim_bottom - 0.6 * eye_to_brow
    crown = top - 0.05 * (brim_bottom - top)
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    shadow = (
        (rows > brim_bottom)
        & (rows < brim_bottom + 0.5 * eye_to_brow)
        & (np.abs(columns - centre) < 0.9 * half)
    )
    shaded = (
        rgb.astype(np.float32)
        * (1.0 - 0.45 * cv2.GaussianBlur(shadow.astype(np.float32), (0, 0), 4))[..., None]
    )
    dome, brim, seams = (np.zeros((height, width), np.float32) for _ in range(3))
    axes = (round(half), round(brim_top - crown))
    cv2.ellipse(dome, (round(centre), round(brim_top)), axes, 0, 180, 360, (1.0,), -1)
    brim_axes = (round(1.15 * half), round(brim_bottom - brim_top))
    cv2.ellipse(brim, (round(centre), round(brim_top)), brim_axes, 0, 0, 180, (1.0,), -1)
    for share in (0.45, 0.0):
        seam_axes = (max(1, round(share * half)), axes[1])
        cv2.ellipse(seams, (round(centre), round(brim_top)), seam_axes, 0, 180, 360, (1.0,), 2)
    cv2.circle(seams, (round(centre), round(crown + 3)), 4, (1.0,), -1)
    towards_edge = np.clip((rows - brim_top) / max(brim_bottom - brim_top, 1.0), 0.0, 1.0)
    light = (1.0 - 0.3 * ((columns - centre) / max(half, 1.0)) ** 2) * (1.0 - 0.3 * seams)
    light = light * (1.0 - 0.25 * brim * towards_edge) + rng.normal(0.0, 0.02, (height, width))
    layer = np.array(colour, np.float32) * light[..., None]
    return _laid_over(shaded.clip(0, 255).astype(np.uint8), layer, np.maximum(dome, brim))


def hair_over_ears(
    rgb: np.ndarray, face: FaceLandmarks, hair: tuple[int, int, int] = HAIR_BROWN, seed: int = 0
) -> np.ndarray:
    """Long hair worn over both ears: strands of hair colour falling from above the brows past the
    earlobes on both cheek edges, where the template wants the ears to show. Inject into the spec image."""
    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    face_width = face.face_width
    top, bottom = float(face.points[list(BROWS), 1].min()), float(face.xy(MOUTH_LEFT)[1])
    alpha = np.zeros((height, width), np.float32)
    for edge, outward in ((RIGHT_CHEEK_EDGE, -1), (LEFT_CHEEK_EDGE, 1)):
        x = float(face.xy(edge)[0])
        inner, outer = x - outward * 0.04 * face_width, x + outward * 0.16 * face_width
        strand = [[inner, top], [outer, top], [outer + outward * 0.03 * face_width, bottom], [inner, bottom]]
        cv2.fillPoly(alpha, [np.round(np.array(strand)).astype(np.int32)], (1.0,))
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    strands = 0.75 + 0.25 * np.sin(columns * 0.9 + 0.03 * rows) + rng.normal(0.0, 0.06, (height, width))
    return _laid_over(rgb, np.array(hair, np.float32) * strands[..., None], alpha)


def tilt_shoulders(
    rgb: np.ndarray, mask: np.ndarray, face: FaceLandmarks, degrees: float, colour: tuple[int, int, int]
) -> np.ndarray:
    """A head held level over shoulders that lean (a head tilted against the body, then levelled):
    everything below the chin turned by `degrees` (positive anticlockwise) about the neck, the head left
    as it is; what the body uncovers is background of `colour`. Inject into the spec image."""
    height, width = rgb.shape[:2]
    chin = face.xy(CHIN)
    neck = (float(chin[0]), float(chin[1]) + 0.15 * face.face_width)
    matrix = cv2.getRotationMatrix2D(neck, degrees, 1.0)
    size = (width, height)
    body = cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    person = cv2.warpAffine(mask.astype(np.float32), matrix, size, borderMode=cv2.BORDER_REPLICATE)
    person = np.clip(person, 0.0, 1.0)[..., None]
    below = body.astype(np.float32) * person + np.array(colour, np.float32) * (1.0 - person)
    rows = np.arange(height, dtype=np.float32)[:, None, None]
    weight = np.clip((rows - chin[1]) / max(0.15 * face.face_width, 1.0), 0.0, 1.0)  # the neck blends
    return np.round(rgb.astype(np.float32) * (1.0 - weight) + below * weight).clip(0, 255).astype(np.uint8)


def black_edge(rgb: np.ndarray, side: str, depth: int) -> np.ndarray:
    """A crop that went past the picture's edge (or a screenshot's frame): `depth` px of black along one
    side ("top", "bottom", "left" or "right"). Inject into the spec image, which is reviewed as it is."""
    out = rgb.copy()
    region = {
        "top": np.s_[:depth, :],
        "bottom": np.s_[-depth:, :],
        "left": np.s_[:, :depth],
        "right": np.s_[:, -depth:],
    }[side]
    out[region] = 0
    return out


def scale_about(rgb: np.ndarray, centre: np.ndarray, factor: float) -> np.ndarray:
    """A spec image cropped too close (`factor` > 1) or too far (< 1): the picture scaled about `centre`
    (the eyes), the revealed border repeating the edge as a wall would continue."""
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), 0.0, factor)
    height, width = rgb.shape[:2]
    return cv2.warpAffine(
        rgb, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def glare(rgb: np.ndarray, face: FaceLandmarks) -> np.ndarray:
    """Light reflected in glasses: a blown-out oval over the upper outer part of each eye, as a window or a
    flash leaves on a lens, soft at its rim. Inject into the raw portrait, where the camera records it."""
    out = rgb.astype(np.float32)
    spot = np.zeros(rgb.shape[:2], np.float32)
    width = 0.2 * face.face_width  # about one eye's width
    for iris, outward in ((face.right_eye, -1.0), (face.left_eye, 1.0)):
        centre = (round(float(iris[0] + outward * 0.15 * width)), round(float(iris[1] - 0.1 * width)))
        axes = (max(2, round(0.35 * width)), max(1, round(0.2 * width)))
        cv2.ellipse(spot, centre, axes, -20.0 * outward, 0, 360, (1.0,), -1)
    alpha = cv2.GaussianBlur(spot, (0, 0), max(1.0, 0.03 * width))[..., None]
    return np.round(out * (1.0 - alpha) + 255.0 * alpha).astype(np.uint8)


@dataclass(frozen=True)
class Injection:
    """One defect as evaluations inject it: where it goes, how strong, and the reasons that catch it."""

    defect: str
    reasons: frozenset[R]  # the defect counts as caught when any of these is reported
    into_spec_image: bool  # False: into the raw portrait, which check_photo then standardises
    make: Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]  # (passed check, other face, spec) -> file


def _lossless(rgb: np.ndarray) -> bytes:
    """An uncompressed file (BMP, which uploads accept), so the injected fault is the only change."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "BMP")
    return buffer.getvalue()


def _raw(check: PhotoCheck) -> tuple[np.ndarray, FaceLandmarks]:
    """The raw portrait and its face; only a portrait that was standardised has both."""
    assert check.decoded is not None and check.source_face is not None, "inject into a standardised portrait"
    return check.decoded.rgb, check.source_face


def _spec_image(check: PhotoCheck) -> tuple[np.ndarray, np.ndarray]:
    """The spec image and its person mask."""
    assert check.spec_rgb is not None and check.spec_mask is not None, "inject into a passed portrait"
    return check.spec_rgb, check.spec_mask


def _rotated(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    return _lossless(rotate(_raw(check)[0], spec.intake.max_roll_correction + 5))


def _shifted(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    # 100 px down takes the head top out of any place in its 60 px band and the eye line to 300 or lower
    return _lossless(shift(_spec_image(check)[0], 0, 100))


def _darkened(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    # about 4.3 stops under: the exposure measure counts very dark face pixels so that dark skin in good
    # light passes, which leaves only a photo this dark reported as underexposed
    return _lossless(darken(_raw(check)[0], 0.05))


def _blurred(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    rgb, face = _raw(check)
    # 1.5 px in the spec image, whose face is scaled to the target width
    return _lossless(blur(rgb, 1.5 * face.face_width / spec.geometry.target_face_width))


def _recoloured(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    return _lossless(recolour_background(*_spec_image(check), ID_CARD_RED))


def _second_face(check: PhotoCheck, other_face: np.ndarray, spec: PhotoSpec) -> bytes:
    # someone as near the camera as the student, beside a shoulder: the bottom corners are the only place
    # a face that size fits in every portrait, and the detector misses much smaller faces
    rgb, face = _raw(check)
    height, width = rgb.shape[:2]
    size = round(face.face_width)
    box_height = min(round(size * other_face.shape[0] / other_face.shape[1]), height - 2 * CORNER_MARGIN)
    x = CORNER_MARGIN if face.eye_midpoint[0] > width / 2 else width - size - CORNER_MARGIN
    y = height - box_height - CORNER_MARGIN
    return _lossless(paste_second_face(rgb, other_face, (x, y, size, box_height)))


def _low_resolution(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    rgb, face = _raw(check)
    return _lossless(low_resolution(rgb, 0.6 * spec.intake.min_source_face_width / face.face_width))


def _compressed(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    return jpeg_compress(_raw(check)[0], spec.intake.min_source_jpeg_quality // 2)


def _hat_colour(rgb: np.ndarray, shift: int) -> tuple[int, int, int]:
    """A colour of `HAT_COLOURS` that varies from portrait to portrait but stays the same for one."""
    return HAT_COLOURS[(int(rgb[::16, ::16].sum()) + shift) % len(HAT_COLOURS)]


def _beanie(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    rgb, mask = _spec_image(check)
    assert check.spec_face is not None
    return _lossless(knit_beanie(rgb, mask, check.spec_face, _hat_colour(rgb, 0)))


def _cap(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    rgb, mask = _spec_image(check)
    assert check.spec_face is not None
    return _lossless(cap_with_brim(rgb, mask, check.spec_face, _hat_colour(rgb, 3)))


def _ears_hidden(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    assert check.spec_rgb is not None and check.spec_face is not None
    return _lossless(hair_over_ears(check.spec_rgb, check.spec_face))


def _spec_face(check: PhotoCheck) -> FaceLandmarks:
    assert check.spec_face is not None, "inject into a passed portrait"
    return check.spec_face


def _tilted(degrees: float) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    """A finished spec image whose eyes are not level by `degrees` (standardisation would level a raw one)."""
    return lambda check, _, spec: _lossless(rotate(_spec_image(check)[0], degrees))


def _black_edged(side: str) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    return lambda check, _, spec: _lossless(black_edge(_spec_image(check)[0], side, BAD_CROP_PX))


def _head_moved(high: bool) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    """The head top moved 25 px above its band (high) or 30 px below it (low), wherever it was."""

    def make(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
        rgb, mask = _spec_image(check)
        top = head_top(mask, _spec_face(check))
        assert top is not None, "a passed spec image has a head top"
        low, high_top = spec.geometry.head_top
        wanted = low - 25 if high else high_top + 30
        return _lossless(shift(rgb, 0, round(wanted - top)))

    return make


def _face_scaled(large: bool) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    """The face scaled to 10% beyond the face-width band's top (large) or below its bottom (small)."""

    def make(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
        face = _spec_face(check)
        low, high = spec.geometry.face_width
        wanted = 1.1 * high if large else 0.9 * low
        return _lossless(scale_about(_spec_image(check)[0], face.eye_midpoint, wanted / face.face_width))

    return make


def _off_centre(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    # twice the centring limit to one side
    return _lossless(shift(_spec_image(check)[0], round(2 * spec.template.max_off_centre), 0))


def _shoulders_tilted(sign: int) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    """The body under a level head turned 7.5 degrees past the shoulder limit, down on the image's left
    (sign 1) or right (-1): enough to show past a portrait's own lean, which stays within the limit."""

    def make(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
        rgb, mask = _spec_image(check)
        degrees = sign * (spec.head.max_shoulder_angle + 7.5)
        return _lossless(tilt_shoulders(rgb, mask, _spec_face(check), degrees, spec.background_rgb()))

    return make


def _backdrop(colour: tuple[int, int, int]) -> Callable[[PhotoCheck, np.ndarray, PhotoSpec], bytes]:
    return lambda check, _, spec: _lossless(recolour_background(*_spec_image(check), colour))


def _glare(check: PhotoCheck, _: np.ndarray, spec: PhotoSpec) -> bytes:
    return _lossless(glare(*_raw(check)))


INJECTIONS: tuple[Injection, ...] = (
    Injection("rotation", frozenset({R.HEAD_ROLL}), False, _rotated),
    Injection("shift", frozenset({R.HEAD_TOP_POSITION, R.EYE_LINE_POSITION, R.HEAD_CUT_OFF}), True, _shifted),
    Injection("darkening", frozenset({R.UNDEREXPOSED}), False, _darkened),
    Injection("blur", frozenset({R.BLURRED}), False, _blurred),
    Injection("background_colour", frozenset({R.BACKGROUND_COLOUR}), True, _recoloured),
    Injection("second_face", frozenset({R.MULTIPLE_FACES}), False, _second_face),
    Injection("low_resolution", frozenset({R.LOW_RESOLUTION}), False, _low_resolution),
    Injection("jpeg_compression", frozenset({R.HEAVY_COMPRESSION}), False, _compressed),
    Injection("knit_beanie", frozenset({R.HEADWEAR}), True, _beanie),
    Injection("cap_with_brim", frozenset({R.HEADWEAR}), True, _cap),
    Injection("hair_over_ears", frozenset({R.EARS_HIDDEN}), True, _ears_hidden),
    *(
        Injection(f"tilt_{degrees}_degrees", frozenset({R.HEAD_ROLL}), True, _tilted(degrees))
        for degrees in (3, 4, 5, 6)
    ),
    *(
        Injection(f"black_edge_{side}", frozenset({R.BLACK_EDGE}), True, _black_edged(side))
        for side in ("top", "bottom", "left", "right")
    ),
    Injection("head_high", frozenset({R.HEAD_TOP_POSITION}), True, _head_moved(high=True)),
    Injection("head_low", frozenset({R.HEAD_TOP_POSITION}), True, _head_moved(high=False)),
    Injection("head_large", frozenset({R.FACE_TOO_LARGE}), True, _face_scaled(large=True)),
    Injection("head_small", frozenset({R.FACE_TOO_SMALL}), True, _face_scaled(large=False)),
    Injection("shoulders_tilted_left", frozenset({R.SHOULDERS_NOT_LEVEL}), True, _shoulders_tilted(1)),
    Injection("shoulders_tilted_right", frozenset({R.SHOULDERS_NOT_LEVEL}), True, _shoulders_tilted(-1)),
    Injection("off_centre", frozenset({R.OFF_CENTRE}), True, _off_centre),
    Injection("white_background", frozenset({R.BACKGROUND_COLOUR}), True, _backdrop((255, 255, 255))),
    Injection("dark_background", frozenset({R.BACKGROUND_COLOUR}), True, _backdrop(DARK_BACKDROP)),
    Injection("glare", frozenset({R.GLARE}), False, _glare),
)
