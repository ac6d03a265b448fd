"""A second set of photo edits, made unlike `fraud_edits`, that no tamper threshold is fitted on.

`fraud_edits` is the set the tamper check's thresholds were measured on: its pastes are aligned on
three anchors, cut on the face-oval hull and Poisson-cloned, its retouch is a double bilateral filter,
and every photo is saved by Pillow at one quality with its default tables. A check tuned on that can
learn the tool instead of the edit. The edits here take other routes a vendor or a student may take:
OpenCV's Poisson cloning in both modes on an ellipse, a Gaussian-feathered paste, a hard rectangle of
another person's face, pastes resized by 0.85-1.15, skin smoothed by a guided filter or OpenCV's
edge-preserving filter; and they are saved through other encoders (Pillow or OpenCV, qualities 75-98,
4:4:4 or 4:2:0 chroma, other quantisation tables, a final re-save through the other library).

Every choice of size, quality and encoder is drawn from a generator seeded by the caller, so a set
can be made again exactly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from photoflow.face.analyzer import get_analyzer
from photoflow.face.landmarks import FACE_OVAL, INNER_LIPS, LEFT_EYE_RING, RIGHT_EYE_RING, FaceLandmarks

# Standard luma table of the JPEG specification (Annex K), row-major; other tables are drawn from it.
ANNEX_K_LUMA = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ]
)


def landmarks(rgb: np.ndarray) -> FaceLandmarks:
    """The main face's mesh; an edit of a photo without a face is refused."""
    found = get_analyzer().analyse(rgb, whole_picture=False).landmarks
    if found is None:
        raise ValueError("no face found in the image to edit")
    return found


def _align_mesh(donor_rgb: np.ndarray, host_rgb: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The donor's photo warped so that its whole face mesh (478 points, least median of squares)
    lands on the host's, then scaled by `scale` about the host's face centre: a resized paste."""
    donor, host = landmarks(donor_rgb), landmarks(host_rgb)
    matrix, _ = cv2.estimateAffinePartial2D(
        donor.points[:, :2].astype(np.float32), host.points[:, :2].astype(np.float32), method=cv2.LMEDS
    )
    centre = host.points[list(FACE_OVAL), :2].mean(axis=0)
    resize = np.array([[scale, 0.0, (1 - scale) * centre[0]], [0.0, scale, (1 - scale) * centre[1]]])
    matrix = resize @ np.vstack([matrix, [0.0, 0.0, 1.0]])
    height, width = host_rgb.shape[:2]
    return cv2.warpAffine(
        donor_rgb, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )


def _face_ellipse(host: FaceLandmarks, shape: tuple[int, ...], shrink: float) -> np.ndarray:
    """Uint8 mask (0/255) of the ellipse fitted to the host's face outline, shrunk by `shrink`."""
    (cx, cy), (w, h), angle = cv2.fitEllipse(host.points[list(FACE_OVAL), :2].astype(np.float32))
    mask: np.ndarray = np.zeros(shape[:2], np.uint8)
    axes = (round(w * shrink / 2), round(h * shrink / 2))
    cv2.ellipse(mask, (round(cx), round(cy)), axes, angle, 0, 360, (255,), -1)
    return mask


def _bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[..., ::-1])


def _clone(host_rgb: np.ndarray, donor_rgb: np.ndarray, mode: int) -> np.ndarray:
    host = landmarks(host_rgb)
    aligned = _align_mesh(donor_rgb, host_rgb)
    mask = _face_ellipse(host, host_rgb.shape, 0.9)
    x, y, w, h = cv2.boundingRect(mask)
    cloned = cv2.seamlessClone(_bgr(aligned), _bgr(host_rgb), mask, (x + w // 2, y + h // 2), mode)
    return _bgr(cloned)


def seamless_normal(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """OpenCV's Poisson cloning (NORMAL_CLONE) of the donor's face on an ellipse over the host's."""
    return _clone(host_rgb, donor_rgb, cv2.NORMAL_CLONE)


def seamless_mixed(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """OpenCV's MIXED_CLONE: at each pixel the stronger gradient of donor and host is kept, so the
    host's own edges show through the pasted face."""
    return _clone(host_rgb, donor_rgb, cv2.MIXED_CLONE)


def _feathered(host_rgb: np.ndarray, donor_rgb: np.ndarray, scale: float) -> np.ndarray:
    host = landmarks(host_rgb)
    aligned = _align_mesh(donor_rgb, host_rgb, scale)
    hard = _face_ellipse(host, host_rgb.shape, 0.85).astype(np.float32) / 255.0
    alpha = cv2.GaussianBlur(hard, (0, 0), host.eye_distance * 0.12)[..., None]
    out = host_rgb.astype(np.float32) * (1 - alpha) + aligned.astype(np.float32) * alpha
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def feathered_paste(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The donor's face laid over the host's with a Gaussian-feathered alpha (a soft eraser edge)."""
    return _feathered(host_rgb, donor_rgb, 1.0)


def resized_paste(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A feathered paste whose face is resized by 0.85-1.15 against the host's (a face made to fit)."""
    return _feathered(host_rgb, donor_rgb, float(rng.uniform(0.85, 1.15)))


def rectangle_paste(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A hard-edged rectangle of the donor's face (eyebrows to below the mouth, cheek to cheek) put over
    the host's, unblended: the crudest paste."""
    host = landmarks(host_rgb)
    aligned = _align_mesh(donor_rgb, host_rgb)
    oval = host.points[list(FACE_OVAL), :2]
    left, right = np.percentile(oval[:, 0], [15, 85])
    top, bottom = host.eye_midpoint[1] - 0.45 * host.eye_distance, np.percentile(oval[:, 1], 88)
    out = host_rgb.copy()
    rows, cols = slice(round(top), round(bottom)), slice(round(left), round(right))
    out[rows, cols] = aligned[rows, cols]
    return out


def _skin_alpha(face: FaceLandmarks, shape: tuple[int, ...]) -> np.ndarray:
    """Float 0-1 mask of the face inside its outline less eyes and lips, with a soft edge."""
    mask: np.ndarray = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(face.points[list(FACE_OVAL), :2]).astype(np.int32)], (255,))
    for ring in (RIGHT_EYE_RING, LEFT_EYE_RING, INNER_LIPS):
        hull = cv2.convexHull(np.round(face.points[list(ring), :2]).astype(np.int32))
        cv2.fillPoly(mask, [hull], (0,))
    return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), face.eye_distance * 0.04)


def _guided(image: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter, each channel guided by itself (float 0-1 in and out)."""
    size = (2 * radius + 1, 2 * radius + 1)
    mean = cv2.boxFilter(image, -1, size)
    variance = cv2.boxFilter(image * image, -1, size) - mean * mean
    a = variance / (variance + eps)
    b = mean - a * mean
    return cv2.boxFilter(a, -1, size) * image + cv2.boxFilter(b, -1, size)


def _smoothed(rgb: np.ndarray, smooth: np.ndarray, face: FaceLandmarks, strength: float) -> np.ndarray:
    alpha = _skin_alpha(face, rgb.shape)[..., None] * strength
    out = rgb.astype(np.float32) * (1 - alpha) + smooth.astype(np.float32) * alpha
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def guided_smoothing(host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Skin smoothed by a guided filter (radius about a tenth of the eye distance), skin only."""
    face = landmarks(host_rgb)
    radius = max(3, round(face.eye_distance * rng.uniform(0.07, 0.12)))
    smooth = _guided(host_rgb.astype(np.float32) / 255.0, radius, float(rng.uniform(0.002, 0.006))) * 255.0
    return _smoothed(host_rgb, smooth, face, float(rng.uniform(0.7, 1.0)))


def edge_preserving_smoothing(
    host_rgb: np.ndarray, donor_rgb: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Skin smoothed by OpenCV's recursive edge-preserving filter (a "surface blur"), skin only."""
    face = landmarks(host_rgb)
    sigma_s = float(rng.uniform(20, 50))
    smooth = cv2.edgePreservingFilter(_bgr(host_rgb), flags=cv2.RECURS_FILTER, sigma_s=sigma_s, sigma_r=0.15)
    return _smoothed(host_rgb, _bgr(smooth), face, float(rng.uniform(0.7, 1.0)))


Edit = Callable[[np.ndarray, np.ndarray, np.random.Generator], np.ndarray]
EDITS: dict[str, Edit] = {
    "seamless_normal": seamless_normal,
    "seamless_mixed": seamless_mixed,
    "feathered_paste": feathered_paste,
    "resized_paste": resized_paste,
    "rectangle_paste": rectangle_paste,
    "guided_smoothing": guided_smoothing,
    "edge_preserving_smoothing": edge_preserving_smoothing,
}


def pillow_jpeg(rgb: np.ndarray, quality: int, subsampling: int) -> bytes:
    """Pillow (libjpeg) at `quality`, chroma 4:4:4 (`subsampling` 0) or 4:2:0 (2)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality, subsampling=subsampling)
    return buffer.getvalue()


def pillow_qtables(rgb: np.ndarray, scale: float) -> bytes:
    """Pillow with its own quantisation tables: Annex K scaled by `scale`, the luma table's high
    frequencies flattened (as some phone firmwares write), chroma at twice the luma."""
    luma = np.clip(np.round(ANNEX_K_LUMA * scale), 1, 255)
    luma[4:, 4:] = np.clip(np.round(luma[4:, 4:] * 0.7), 1, 255)
    chroma = np.clip(luma * 2, 1, 255)
    buffer = io.BytesIO()
    tables = [[int(v) for v in luma.ravel()], [int(v) for v in chroma.ravel()]]
    Image.fromarray(rgb).save(buffer, format="JPEG", qtables=tables, subsampling=2)
    return buffer.getvalue()


def opencv_jpeg(rgb: np.ndarray, quality: int, sampling_444: bool = False) -> bytes:
    """OpenCV's `imencode` at `quality` (its own libjpeg build), 4:2:0 unless `sampling_444`."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    if sampling_444:
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    ok, encoded = cv2.imencode(".jpg", _bgr(rgb), params)
    if not ok:
        raise ValueError("OpenCV could not encode the image")
    return encoded.tobytes()


def resaved(data: bytes, quality: int) -> bytes:
    """The bytes decoded by OpenCV and saved again by Pillow: a final pass through another library."""
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return pillow_jpeg(_bgr(decoded), quality, 2)


@dataclass(frozen=True)
class Save:
    """One way of writing the edited photo: its name and how it encodes given a random generator."""

    name: str
    encode: Callable[[np.ndarray, np.random.Generator], bytes]


def _quality(rng: np.random.Generator) -> int:
    return int(rng.integers(75, 99))


SAVES: tuple[Save, ...] = (
    Save("pillow_420", lambda rgb, rng: pillow_jpeg(rgb, _quality(rng), 2)),
    Save("pillow_444", lambda rgb, rng: pillow_jpeg(rgb, _quality(rng), 0)),
    Save("pillow_qtables", lambda rgb, rng: pillow_qtables(rgb, float(rng.uniform(0.1, 0.5)))),
    Save("opencv_420", lambda rgb, rng: opencv_jpeg(rgb, _quality(rng))),
    Save("opencv_444", lambda rgb, rng: opencv_jpeg(rgb, _quality(rng), sampling_444=True)),
    Save("opencv_then_pillow", lambda rgb, rng: resaved(opencv_jpeg(rgb, _quality(rng)), _quality(rng))),
)


def save(rgb: np.ndarray, rng: np.random.Generator) -> tuple[str, bytes]:
    """The photo written by one of `SAVES`, drawn by `rng`: (the save's name, the file's bytes)."""
    chosen = SAVES[int(rng.integers(len(SAVES)))]
    return chosen.name, chosen.encode(rgb, rng)
