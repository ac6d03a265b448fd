"""Edits a photo vendor makes to a student portrait, to prove the tamper check on real photos.

Each edit takes decoded RGB uint8 arrays and returns an RGB array of the same size, as a retouching or
face-swap tool would; `save_jpeg` then writes it the way such a tool exports (Pillow, no metadata) and
`with_software_tag` marks bytes with an editor's EXIF Software tag without touching the pixels. The edits
use the project's own face mesh (`photoflow.face`), so they follow each face rather than a fixed box.
"""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
from PIL import Image

from photoflow.face.analyzer import get_analyzer
from photoflow.face.landmarks import (
    FACE_OVAL,
    LEFT_EYE_RING,
    MOUTH_LEFT,
    MOUTH_RIGHT,
    RIGHT_EYE_RING,
    FaceLandmarks,
)
from photoflow.tamper.skin_regions import face_skin

EXIF_SOFTWARE = 0x0131


def landmarks(rgb: np.ndarray) -> FaceLandmarks:
    """The main face's mesh; an edit of a photo without a face makes no sense, so it refuses."""
    found = get_analyzer().analyse(rgb, whole_picture=False).landmarks
    if found is None:
        raise ValueError("no face found in the image to edit")
    return found


def _polygon(face: FaceLandmarks, indices: tuple[int, ...]) -> np.ndarray:
    return np.round(face.points[list(indices), :2]).astype(np.int32)


def skin_mask(rgb: np.ndarray, face: FaceLandmarks) -> np.ndarray:
    """Float 0-1 mask of the face skin: the face oval without eyes and lips (`skin_regions.face_skin`,
    the region beauty sliders work on), feathered like a beauty tool's brush so the edit fades out
    instead of ending at a hard line."""
    mask = face_skin(rgb.shape, face).astype(np.float32)
    sigma = max(2.0, face.eye_distance * 0.06)
    return cv2.GaussianBlur(mask, (0, 0), sigma)


def _blend(base: np.ndarray, edited: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weight = mask[..., None]
    out = base.astype(np.float32) * (1 - weight) + edited.astype(np.float32) * weight
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def recolour_skin(rgb: np.ndarray) -> np.ndarray:
    """Whiten and warm the face skin: lighter, a touch rosier, less yellow (a "美白" slider)."""
    mask = skin_mask(rgb, landmarks(rgb))
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab[..., 0] += (255 - lab[..., 0]) * 0.18  # lift shadows more than highlights
    lab[..., 1] += 4.0
    lab[..., 2] -= 5.0
    edited = cv2.cvtColor(np.clip(lab, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)
    return _blend(rgb, edited, mask)


def whiten_skin(rgb: np.ndarray) -> np.ndarray:
    """Whiten the face skin by a fifth of the way to white, as a screen layer does: paler and less
    saturated, with no hue shift (a second "美白" style, unlike `recolour_skin`'s Lab curve)."""
    mask = skin_mask(rgb, landmarks(rgb))
    lifted = rgb.astype(np.float32) + (255 - rgb.astype(np.float32)) * 0.2
    return _blend(rgb, lifted, mask)


def brighten_skin(rgb: np.ndarray) -> np.ndarray:
    """Brighten the face skin by 15% (an exposure gain): same colour, more light, as if re-lit."""
    mask = skin_mask(rgb, landmarks(rgb))
    return _blend(rgb, np.clip(rgb.astype(np.float32) * 1.15, 0, 255), mask)


def retouch(rgb: np.ndarray) -> np.ndarray:
    """Smooth the skin with an edge-preserving filter (a "磨皮" slider) and brighten the eyes slightly."""
    face = landmarks(rgb)
    mask = skin_mask(rgb, face)
    diameter = max(5, round(face.eye_distance * 0.12)) | 1
    smooth = cv2.bilateralFilter(rgb, diameter, 30, diameter / 2)
    smooth = cv2.bilateralFilter(smooth, diameter, 30, diameter / 2)
    out = _blend(rgb, smooth, mask * 0.85)
    eyes = np.zeros(rgb.shape[:2], np.uint8)
    for ring in (RIGHT_EYE_RING, LEFT_EYE_RING):
        cv2.fillPoly(eyes, [cv2.convexHull(_polygon(face, ring))], (255,))
    eye_mask = cv2.GaussianBlur(eyes.astype(np.float32) / 255.0, (0, 0), max(1.5, face.eye_distance * 0.02))
    brighter = cv2.convertScaleAbs(out, alpha=1.12, beta=6)
    return _blend(out, brighter, eye_mask)


def _anchors(face: FaceLandmarks) -> np.ndarray:
    """Eye centres and mouth centre: the three points face-swap and morph tools align on."""
    mouth = (face.xy(MOUTH_RIGHT) + face.xy(MOUTH_LEFT)) / 2
    return np.array([face.right_eye, face.left_eye, mouth], np.float32)


def _align(moving_rgb: np.ndarray, moving: FaceLandmarks, fixed: FaceLandmarks, size: tuple[int, int]):
    """Warp `moving_rgb` so its face lands on `fixed`'s face (similarity transform); returns the image."""
    matrix, _ = cv2.estimateAffinePartial2D(_anchors(moving), _anchors(fixed))
    return cv2.warpAffine(moving_rgb, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def paste_face(host_rgb: np.ndarray, donor_rgb: np.ndarray) -> np.ndarray:
    """Put the donor's face on the host's head: aligned by eyes and mouth, blended with Poisson cloning
    so colour and light follow the host (the usual "换脸" route); hair, ears and background stay the
    host's."""
    host = landmarks(host_rgb)
    height, width = host_rgb.shape[:2]
    aligned = _align(donor_rgb, landmarks(donor_rgb), host, (width, height))
    mask: np.ndarray = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(_polygon(host, FACE_OVAL)), (255,))
    shrink = max(3, round(host.eye_distance * 0.1)) | 1
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (shrink, shrink)))
    x, y, w, h = cv2.boundingRect(mask)
    centre = (x + w // 2, y + h // 2)
    cloned = cv2.seamlessClone(
        np.ascontiguousarray(aligned[..., ::-1]),
        np.ascontiguousarray(host_rgb[..., ::-1]),
        mask,
        centre,
        cv2.NORMAL_CLONE,
    )
    return np.ascontiguousarray(cloned[..., ::-1])


def morph(a_rgb: np.ndarray, b_rgb: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """A two-person morph: B's whole image aligned to A's face, then (1 - alpha) * A + alpha * B."""
    height, width = a_rgb.shape[:2]
    aligned = _align(b_rgb, landmarks(b_rgb), landmarks(a_rgb), (width, height))
    out = a_rgb.astype(np.float32) * (1 - alpha) + aligned.astype(np.float32) * alpha
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def save_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    """Encode as an editor's export does: baseline JPEG at `quality`, no EXIF, ICC or comment."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def with_software_tag(jpeg_bytes: bytes, software: str) -> bytes:
    """The same JPEG with an EXIF APP1 segment naming `software`, inserted after SOI (and APP0 if
    present); the entropy-coded pixels are untouched, so only the metadata differs."""
    if jpeg_bytes[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG: no SOI marker")
    exif = Image.Exif()
    exif[EXIF_SOFTWARE] = software
    payload = exif.tobytes()
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    position = 2
    if jpeg_bytes[2:4] == b"\xff\xe0":
        position = 4 + struct.unpack(">H", jpeg_bytes[4:6])[0]
    return jpeg_bytes[:position] + segment + jpeg_bytes[position:]


def clone_region(rgb: np.ndarray) -> np.ndarray:
    """A clone-stamp edit: a patch of hair at one temple copied over the other with a soft brush edge,
    as when a vendor tidies stray hair or fills a gap."""
    face = landmarks(rgb)
    height, width = rgb.shape[:2]
    side = round(face.eye_distance * 0.8)
    centre_x, centre_y = face.eye_midpoint
    top = max(0, round(centre_y - face.eye_distance * 1.6))
    left = max(0, round(centre_x - face.eye_distance * 1.2))
    shift = min(round(face.eye_distance * 1.6), width - left - side)
    top = min(top, height - side)
    brush: np.ndarray = np.zeros((height, width), np.float32)
    brush[top : top + side, left + shift : left + shift + side] = 1.0
    brush = cv2.GaussianBlur(brush, (0, 0), side * 0.05)
    moved = rgb.copy()
    moved[top : top + side, left + shift : left + shift + side] = rgb[top : top + side, left : left + side]
    return _blend(rgb, moved, brush)
