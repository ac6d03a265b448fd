"""The registry template's frame rules, measured on the 480 x 640 spec image.

The template a school's photo tool lays over the spec image has red zones for the head top, the eye
line and the chin, wants the eyes level and the face centred left to right, and a crop that leaves no
black or foreign strip along a border. Each rule here is a pure function of the spec image (and its
face mesh or person mask) returning a `Measurement` with its own reason; every limit is in the
`[template]` section of the photo spec (`geometry` for the published bands).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from data_contracts.photo_spec import PhotoSpec
from photoflow.face import landmarks as lm
from photoflow.face.landmarks import FaceLandmarks
from photoflow.quality.measurement import Measurement, at_most, failed, within
from schemas.reasons import PhotoReason as R

SIDES = ("top", "bottom", "left", "right")


def eye_tilt(face: FaceLandmarks, spec: PhotoSpec) -> Measurement:
    """Degrees the eye line is off horizontal: the registry's auto review rejects eyes that are not level
    ("瞳孔平行角度不合格"), and standardisation levels a raw portrait's eyes, so only a tilt left in a
    finished spec image reaches this limit."""
    limit = spec.template.max_eye_tilt
    return within("roll", face.roll, -limit, limit, R.HEAD_ROLL)


def positions(face: FaceLandmarks, top: float | None, spec: PhotoSpec) -> list[Measurement]:
    """Head top, eye line and chin in their zones, face width in its band, face centred."""
    geometry, template = spec.geometry, spec.template
    head = (
        failed("head_top", R.HEAD_CUT_OFF)
        if top is None or top <= 1
        else within("head_top", top, *geometry.head_top, R.HEAD_TOP_POSITION)
    )
    cheeks = (face.xy(lm.LEFT_CHEEK_EDGE)[0] + face.xy(lm.RIGHT_CHEEK_EDGE)[0]) / 2
    return [
        head,
        within("eye_line", float(face.eye_midpoint[1]), *geometry.eye_line, R.EYE_LINE_POSITION),
        face_width(face, spec),
        within("chin", float(face.xy(lm.CHIN)[1]), *template.chin_zone, R.CHIN_POSITION),
        at_most(
            "off_centre", float(abs(cheeks - spec.image.width / 2)), template.max_off_centre, R.OFF_CENTRE
        ),
    ]


def face_width(face: FaceLandmarks, spec: PhotoSpec) -> Measurement:
    """Cheek to cheek against the band, named by the side it misses: the student's fix differs (step back,
    come closer)."""
    low, high = spec.geometry.face_width
    if face.face_width >= low:
        return within("face_width", face.face_width, low, high, R.FACE_TOO_LARGE)
    return within("face_width", face.face_width, low, high, R.FACE_TOO_SMALL)


@dataclass(frozen=True)
class Strip:
    """A band along one border, `depth` lines deep, of one flat colour (`lab`, CIE L*a*b*)."""

    side: str
    depth: int
    lab: np.ndarray


def _lines(rgb: np.ndarray, side: str) -> np.ndarray:
    """The image's lines parallel to `side`, the border's own line first: (lines, pixels, 3)."""
    if side in ("top", "bottom"):
        return rgb if side == "top" else rgb[::-1]
    return rgb.transpose(1, 0, 2) if side == "left" else rgb[:, ::-1].transpose(1, 0, 2)


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def border_strips(rgb: np.ndarray, spec: PhotoSpec) -> list[Strip]:
    """Flat bands along each border: consecutive lines from the edge inwards whose pixels nearly all share
    the border line's colour and that stop at once, the next line mostly of other colours. A painted
    background is such a band too; `foreign_strips` keeps those unlike the background."""
    template = spec.template
    limit = min(rgb.shape[0], rgb.shape[1]) // 4
    strips = []
    for side in SIDES:
        lines = _lines(rgb, side)[:limit].astype(np.int16)
        reference = np.median(lines[0], axis=0)
        share = (np.abs(lines - reference).max(axis=2) <= template.edge_tolerance).mean(axis=1)
        flat = share >= template.edge_flat_share
        depth = limit if flat.all() else int(np.argmin(flat))
        # a crop's strip ends along a straight line; a plain shirt's or wall's colour fades out unevenly
        if depth and (depth == limit or share[depth] <= template.edge_boundary_share):
            strips.append(Strip(side, depth, _lab(reference.astype(np.uint8)[None, None])[0, 0]))
    return strips


def without_strips(mask: np.ndarray, strips: list[Strip]) -> np.ndarray:
    """The person mask with the border strips counted as person, so the background is measured away from
    them and a black edge is not reported again as a background that is not plain."""
    out = mask.copy()
    for strip in strips:
        _region(out, strip)[...] = 1.0
    return out


def foreign_strips(rgb: np.ndarray, mask: np.ndarray, spec: PhotoSpec) -> list[Strip]:
    """The border strips whose colour is unlike the background's (a black or foreign band from a bad
    crop). The background's colour is the median over the person mask's outside, which a strip along a
    border cannot shift; a strip of that colour is background (a wall, a painted backdrop). The person
    mask cannot tell a black strip below the shoulders from a black shirt (it takes both for the person):
    the strip's straight inner edge does (`border_strips`)."""
    background = mask < 0.1
    if not background.any():
        return []
    reference = np.median(_lab(rgb)[background], axis=0)
    distance = spec.template.edge_colour_distance
    return [s for s in border_strips(rgb, spec) if np.linalg.norm(s.lab - reference) > distance]


def _region(image: np.ndarray, strip: Strip) -> np.ndarray:
    side, depth = strip.side, strip.depth
    if side in ("top", "bottom"):
        return image[:depth] if side == "top" else image[-depth:]
    return image[:, :depth] if side == "left" else image[:, -depth:]


def edges(strips: list[Strip], spec: PhotoSpec) -> Measurement:
    """Depth in px of the deepest foreign strip along any border: 0 for a clean crop."""
    depth = float(max((strip.depth for strip in strips), default=0))
    return at_most("black_edge", depth, spec.template.max_edge_px, R.BLACK_EDGE)
