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
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality.review import PhotoCheck
from schemas.reasons import PhotoReason as R

SRGB_GAMMA = 2.2  # close enough to the sRGB curve to turn pixel values into light and back
ID_CARD_RED = (200, 30, 40)  # the backdrop of ID-card photos, a common wrong choice for the registry's blue
CORNER_MARGIN = 8  # px between a pasted face and the picture's edge


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


INJECTIONS: tuple[Injection, ...] = (
    Injection("rotation", frozenset({R.HEAD_ROLL}), False, _rotated),
    Injection("shift", frozenset({R.HEAD_TOP_POSITION, R.EYE_LINE_POSITION, R.HEAD_CUT_OFF}), True, _shifted),
    Injection("darkening", frozenset({R.UNDEREXPOSED}), False, _darkened),
    Injection("blur", frozenset({R.BLURRED}), False, _blurred),
    Injection("background_colour", frozenset({R.BACKGROUND_COLOUR}), True, _recoloured),
    Injection("second_face", frozenset({R.MULTIPLE_FACES}), False, _second_face),
    Injection("low_resolution", frozenset({R.LOW_RESOLUTION}), False, _low_resolution),
    Injection("jpeg_compression", frozenset({R.HEAVY_COMPRESSION}), False, _compressed),
)
