"""Score one uploaded photo for signs of editing ("PS"): metadata, compression history (of the whole
photo and of the face against the neck), skin texture, copy-move.

Each trace gives findings with a 0-100 score; they combine as independent evidence
(100 * (1 - product of (1 - score / 100))) and the photo is flagged at the spec's flag line. The check
never raises on a photo: bytes that do not decode give a finding, so a batch keeps going.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from data_contracts.tamper_spec import CompressionSpec, TamperSpec, load_tamper_spec
from photoflow.face.analyzer import get_analyzer
from photoflow.face.landmarks import FaceLandmarks
from photoflow.tamper.compression import CompressionResult, analyse
from photoflow.tamper.copy_move import find_copy_move
from photoflow.tamper.face_lattice import face_lattice_finding
from photoflow.tamper.findings import TamperFinding
from photoflow.tamper.metadata import editor_traces
from photoflow.tamper.seams import seam_finding
from photoflow.tamper.skin_regions import skin_regions
from photoflow.tamper.smoothing import skin_smoothing
from schemas.reasons import TamperReason

DECODE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class TamperCheck:
    name: str
    score: float  # 0-100, one decimal; higher = more likely edited
    flagged: bool
    findings: list[TamperFinding] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "score": self.score,
            "flagged": self.flagged,
            "findings": [finding.as_dict() for finding in self.findings],
        }


def combined_score(findings: list[TamperFinding]) -> float:
    """Independent evidence: two medium traces add up to more than either, never past 100."""
    clean = math.prod(1 - min(max(f.score, 0.0), 100.0) / 100 for f in findings)
    return round(100.0 * (1 - clean), 1)


def check_tamper(data: bytes, *, name: str, spec: TamperSpec | None = None) -> TamperCheck:
    """Findings and score for one photo file's bytes; `name` is kept for the caller's report only."""
    spec = spec or load_tamper_spec()
    findings: list[TamperFinding] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            findings += editor_traces(image, spec.metadata)
            image.load()
            findings += _pixel_findings(image, data, spec)
    except (*DECODE_ERRORS, Image.DecompressionBombWarning) as error:
        detail = f"{len(data)} bytes do not decode as an image ({type(error).__name__}); nothing checked"
        findings.append(TamperFinding(TamperReason.UNREADABLE, 0.0, detail))
    score = combined_score(findings)
    return TamperCheck(name, score, score >= spec.flag_score, findings)


def _pixel_findings(image: Image.Image, data: bytes, spec: TamperSpec) -> list[TamperFinding]:
    """`image` is decoded (RGB or L); the compression analysis decodes `data` again, as luma."""
    findings: list[TamperFinding] = []
    rgb = np.asarray(image.convert("RGB"))
    face = get_analyzer().analyse(rgb, whole_picture=False).landmarks
    regions = None if face is None else skin_regions(rgb.shape, face, spec.neck)
    if image.format == "JPEG":
        result = analyse(Image.open(io.BytesIO(data)), spec.compression)
        if result is not None:
            findings += _compression_findings(result, spec.compression, face)
            if face is not None:
                findings += _found(face_lattice_finding(result, face, rgb.shape, spec))
    else:
        detail = f"{image.format or 'unknown'} file: no JPEG compression history; metadata and copy-move only"
        findings.append(TamperFinding(TamperReason.NO_COMPRESSION_HISTORY, 0.0, detail))
    if regions is not None:
        findings += _found(skin_smoothing(rgb, regions, spec.skin_texture, spec.flag_score))
    gray = np.asarray(image.convert("L"))
    if face is not None:
        findings += _found(seam_finding(gray, face, spec.seam, spec.flag_score))
    moved = find_copy_move(gray, spec.copy_move)
    if moved.pairs >= spec.copy_move.min_cluster:
        dx, dy = moved.displacement
        detail = f"{moved.pairs} keypoint pairs share one displacement ({dx:.0f}, {dy:.0f}) px"
        findings.append(TamperFinding(TamperReason.COPY_MOVE, spec.copy_move.score, detail))
    return findings


def _found(finding: TamperFinding | None) -> list[TamperFinding]:
    return [] if finding is None else [finding]


def _compression_findings(
    result: CompressionResult, spec: CompressionSpec, face: FaceLandmarks | None
) -> list[TamperFinding]:
    """A window that reads "compressed once" inside a photo that reads "twice" is a local edit when it
    lies on the face (the part of a portrait worth editing); a uniform second compression is reported
    at score 0, since chat apps re-save every photo. A window off the face is left unsaid: saved three
    times over (a re-save through another library), textured hair or clothes read "once" per window."""
    if result.double_evidence < spec.min_double_evidence:
        return []
    x, y, width, height = result.window_box
    on_face = face is not None and bool(
        np.hypot(x + width / 2 - face.eye_midpoint[0], y + height / 2 - face.eye_midpoint[1])
        <= spec.max_window_offset * face.eye_distance
    )
    if (
        on_face
        and result.double_evidence >= spec.min_local_evidence
        and result.window_llr <= spec.max_window_llr
    ):
        score = min(spec.score, spec.score * result.window_llr / (1.5 * spec.max_window_llr))
        detail = (
            f"the {width}x{height} px region at ({x}, {y}) is {-result.window_llr:.0f} nats more likely "
            f"compressed once than twice, while the whole photo shows a first compression "
            f"({result.double_evidence:.0f} nats over {result.frequencies} frequencies)"
        )
        return [TamperFinding(TamperReason.COMPRESSION_INCONSISTENT, round(score, 1), detail)]
    detail = (
        f"the whole photo was compressed twice ({result.double_evidence:.0f} nats over "
        f"{result.frequencies} frequencies) with no region of a different history"
    )
    return [TamperFinding(TamperReason.RECOMPRESSED, 0.0, detail)]
