"""Edited portraits must be flagged, unedited ones not: the tamper check and the fusion check together.

    .venv/bin/python benchmarks/evaluate_fraud.py [--limit N] [--workers N]

A batch of the 102 London identities, each with the smiling portrait as its reference (enrollment)
photo. For every identity A the photo under test is, in turn: the unedited neutral portrait, the
unedited smiling portrait, and four edits of the neutral one from photoflow/sandbox/fraud_edits.py (skin
recoloured, skin retouched, B's face pasted in, a 50/50 morph with B made by averaging aligned
images; B is the next identity of the same gender). The 20 Canada portraits are unedited photos too
(tamper check only: they have no second photo for a reference). Each edit is saved as a JPEG at 85,
90 or 95 (cycling by identity), as a vendor's tool would export it.

A photo counts as flagged when the tamper check flags it (screening sends it to a reviewer) or the
fusion check flags it against its own reference and the other identities' references (stage 3
holds it): the two production code paths, `check_tamper` and `check_fusion`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

import argparse
import io
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from benchmarks.calibrate_fusion import london
from photoflow.sandbox.fraud_edits import morph, paste_face, recolour_skin, retouch, save_jpeg
from photoflow.settings import get_settings
from photoflow.similarity.embedding import get_embedder
from photoflow.similarity.fusion import OtherIdentities, check_fusion, load_fusion_rules
from photoflow.similarity.scoring import load_calibration
from photoflow.tamper.check import check_tamper
from schemas.similarity import ComparisonKind

DATASETS = get_settings().datasets_dir
QUALITIES = (85, 90, 95)
EDITS = ("recoloured skin", "retouched skin", "pasted face", "morph 50/50")
_home = tempfile.mkdtemp(prefix="photoflow-fraud-deepface-")


@dataclass(frozen=True)
class Case:
    kind: str  # "unedited ..." or one of EDITS
    identity: str | None  # the London identity whose record the photo is for
    path: Path  # the photo, or the portrait the edit starts from
    donor: Path | None = None  # B's portrait, for a pasted face or a morph
    quality: int | None = None


@dataclass(frozen=True)
class Result:
    case: Case
    tamper_flagged: bool
    tamper_score: float
    vector: np.ndarray | None
    seconds: float


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def photo_bytes(case: Case) -> bytes:
    if case.kind.startswith("unedited") or case.kind == "reference":
        return case.path.read_bytes()
    host = rgb(case.path)
    edited = {
        "recoloured skin": lambda: recolour_skin(host),
        "retouched skin": lambda: retouch(host),
        "pasted face": lambda: paste_face(host, rgb(case.donor)),
        "morph 50/50": lambda: morph(host, rgb(case.donor)),
    }[case.kind]()
    return save_jpeg(edited, case.quality)


def run_case(case: Case) -> Result:
    started = time.perf_counter()
    data = photo_bytes(case)
    tamper = check_tamper(data, name=case.path.name)
    vector = None
    if case.identity is not None:
        vector = get_embedder("Dlib", _home).embed(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return Result(case, tamper.flagged, tamper.score, vector, time.perf_counter() - started)


def cases(
    identities: list[str], neutral: dict[str, Path], smiling: dict[str, Path], gender: dict[str, str]
) -> list[Case]:
    found: list[Case] = []
    for index, identity in enumerate(identities):
        after = identities[index + 1 :] + identities[:index]
        donor = next((other for other in after if gender[other] == gender[identity]), after[0])
        quality = QUALITIES[index % len(QUALITIES)]
        found.append(Case("unedited neutral", identity, neutral[identity]))
        found.append(Case("unedited smiling", identity, smiling[identity]))
        for kind in EDITS:
            found.append(Case(kind, identity, neutral[identity], neutral[donor], quality))
    for path in sorted((DATASETS / "id_portraits" / "canada_subset").glob("*.jpg")):
        found.append(Case("unedited Canada", None, path))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N London identities")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    identities, neutral, smiling, gender = london()
    identities = identities[: args.limit] if args.limit else identities
    todo = cases(identities, neutral, smiling, gender)
    references = [Case("reference", identity, smiling[identity]) for identity in identities]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_case, todo, chunksize=2))
        reference_vectors = {r.case.identity: r.vector for r in pool.map(run_case, references, chunksize=4)}
    elapsed = time.perf_counter() - started

    owners = [identity for identity, vector in reference_vectors.items() if vector is not None]
    matrix = np.stack([reference_vectors[identity] for identity in owners]).astype(np.float32)
    ids = np.arange(len(owners), dtype=np.int64)
    calibration, rules = load_calibration(), load_fusion_rules()
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_quality: dict[tuple[str, int], list[bool]] = defaultdict(list)
    for result in results:
        case = result.case
        fused = False
        if case.identity is not None and result.vector is not None and case.identity in owners:
            own = owners.index(case.identity)
            others = OtherIdentities(ids[ids != own], matrix[ids != own])
            check = check_fusion(
                result.vector,
                {ComparisonKind.ENROLLMENT: matrix[own]},
                others,
                model="Dlib",
                calibration=calibration,
                rules=rules,
            )
            fused = check.flagged
        rows[case.kind].append((result.tamper_flagged, fused))
        if case.quality is not None:
            by_quality[(case.kind, case.quality)].append(result.tamper_flagged or fused)

    print(
        f"{len(results)} photos, {len(identities)} London identities; {elapsed:.0f} s on {args.workers} "
        f"workers ({1000 * np.mean([r.seconds for r in results]):.0f} ms per photo: edit, tamper check, "
        "embedding)\n"
    )
    print("| photo | n | tamper flagged | fusion flagged | flagged (either) |")
    print("|---|---|---|---|---|")
    for kind in ("unedited neutral", "unedited smiling", "unedited Canada", *EDITS):
        flags = rows[kind]
        tamper = sum(t for t, _ in flags)
        fused = sum(f for _, f in flags)
        either = sum(t or f for t, f in flags)
        cells = [f"{count} ({count / len(flags):.1%})" for count in (tamper, fused, either)]
        print(f"| {kind} | {len(flags)} | {cells[0]} | {cells[1]} | **{cells[2]}** |")
    print("\nFlagged (either) per edit and save quality:\n")
    print("| photo | " + " | ".join(f"q{q}" for q in QUALITIES) + " |")
    print("|---|" + "---|" * len(QUALITIES))
    for kind in EDITS:
        cells = []
        for quality in QUALITIES:
            flags = by_quality[(kind, quality)]
            cells.append(f"{sum(flags)}/{len(flags)}" if flags else "-")
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
