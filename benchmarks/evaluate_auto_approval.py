"""Weighted auto-approval on real photos: how many photos would still reach a reviewer, and how often
auto-approval would disagree with the reviewers' verdict.

    .venv/bin/python benchmarks/evaluate_auto_approval.py [--held-back 30] [--thresholds 60 70 80 90]

The "reviewers' verdict" is the datasets' own labels: every `id_portraits` photo is compliant (a
reviewer approves it), every `id_defects` photo labelled `expected_compliant = no` is not (a reviewer
rejects it), and a retouched copy of each London portrait (photoflow/sandbox/fraud_edits.py) is rejected as
edited. Each photo goes through what production does: stage 1 (`check_photo`; only photos it passes
reach screening), the quality score of its measurements, the tamper check of the uploaded bytes, and
for London photos the similarity score against the same person's other portrait (neutral vs smiling)
as the enrollment photo. Photos whose name hashes into the held-back share are never learnt from;
the success rates come from the rest (`photoflow.auto_approval.weights`, the code the nightly flow
runs), and the held-back photos are screened with them at each threshold.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

import argparse
import csv
import hashlib
import io
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy.stats import mannwhitneyu

from data_contracts.photo_spec import load_photo_spec
from photoflow.auto_approval.formula import combine
from photoflow.auto_approval.quality_score import quality_score
from photoflow.auto_approval.weights import Decided, success_rates, would_approve
from photoflow.face.analyzer import get_analyzer
from photoflow.quality.review import check_photo
from photoflow.sandbox.fraud_edits import retouch, save_jpeg
from photoflow.settings import get_settings
from photoflow.similarity.embedding import get_embedder
from photoflow.similarity.scoring import load_calibration
from photoflow.tamper.check import check_tamper
from schemas.screening import ApprovalInterface as I

DATASETS = get_settings().datasets_dir


@dataclass(frozen=True)
class Photo:
    name: str  # unique, for the held-back hash and the pairing
    path: Path
    approved: bool  # the reviewers' verdict
    person: str | None  # London identity, for the similarity pairing
    edit: str | None = None  # "retouch": made here from the portrait at `path`


@dataclass(frozen=True)
class Screened:
    photo: Photo
    passed_stage_1: bool
    quality: float | None
    tamper_score: float | None
    tamper_flagged: bool
    spec_vector: np.ndarray | None
    original_vector: np.ndarray | None


def photos() -> list[Photo]:
    found: list[Photo] = []
    for row in csv.DictReader((DATASETS / "id_portraits" / "images.csv").open(encoding="utf-8")):
        path = DATASETS / "id_portraits" / row["relative_path"]
        london = row["set"] == "london_neutral_front"
        person = row["identity"] if london else None
        found.append(Photo(row["relative_path"], path, True, person))
        if london:
            found.append(Photo("retouched/" + row["relative_path"], path, False, person, edit="retouch"))
    for row in csv.DictReader((DATASETS / "id_defects" / "labels.csv").open(encoding="utf-8")):
        if row["expected_compliant"] != "no":
            continue
        person = row["identity"] if row["source_set"] == "london_smiling_front" else None
        found.append(
            Photo(row["relative_path"], DATASETS / "id_defects" / row["relative_path"], False, person)
        )
    return found


_home = tempfile.mkdtemp(prefix="photoflow-eval-deepface-")


def screen_photo(photo: Photo) -> Screened:
    """What production computes for one upload: stage 1, then the screening interfaces' inputs."""
    data = photo.path.read_bytes()
    if photo.edit == "retouch":
        data = save_jpeg(retouch(np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))), 92)
    check = check_photo(data, name=photo.path.name, analyzer=get_analyzer(), spec=load_photo_spec())
    tamper = check_tamper(data, name=photo.path.name)
    embedder = get_embedder("Dlib", _home)
    spec_vector = embedder.embed(check.spec_rgb) if check.passed and check.spec_rgb is not None else None
    original = None
    if photo.person is not None and photo.edit is None:
        original = embedder.embed(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return Screened(
        photo,
        check.passed,
        quality_score(m.as_dict() for m in check.measurements),
        tamper.score,
        tamper.flagged,
        spec_vector,
        original,
    )


def held_back(name: str, percent: int) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % 100 < percent


def decided(screened: list[Screened]) -> list[tuple[Screened, Decided]]:
    """Screening's view of each photo stage 1 passed, as `Decided` rows the weights code reads."""
    calibration = load_calibration()
    references = {  # the same person's unedited portrait of the other set
        (item.photo.person, "smiling" in item.photo.name): item.original_vector
        for item in screened
        if item.original_vector is not None
    }
    rows = []
    for number, item in enumerate(screened):
        if not item.passed_stage_1 or item.quality is None or item.tamper_score is None:
            continue
        scores = {I.QUALITY: item.quality, I.TAMPER: round(100 - item.tamper_score, 1)}
        not_same = False
        reference = references.get((item.photo.person, "smiling" not in item.photo.name))
        if item.spec_vector is not None and reference is not None:
            score = float(calibration.score("Dlib", 1.0 - float(item.spec_vector @ reference)))
            scores[I.SIMILARITY] = score
            not_same = score < calibration.same_from
        rows.append((item, Decided(number, scores, item.tamper_flagged, not_same, True, item.photo.approved)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--held-back", type=int, default=30, help="percent of photos kept back (default 30)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[70.0, 80.0, 85.0, 90.0, 95.0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    wanted = photos()
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        screened = list(pool.map(screen_photo, wanted, chunksize=4))
    elapsed = time.perf_counter() - started
    rows = decided(screened)
    training = [d for item, d in rows if not held_back(item.photo.name, args.held_back)]
    checked = [d for item, d in rows if held_back(item.photo.name, args.held_back)]
    rates = success_rates(training, load_calibration().same_from)
    unedited = [d for item, d in rows if item.photo.edit is None]  # edits are the tamper check's to catch
    approved = np.array([d.scores[I.QUALITY] for d in unedited if d.approved])
    rejected = np.array([d.scores[I.QUALITY] for d in unedited if not d.approved])
    auc = mannwhitneyu(approved, rejected).statistic / (len(approved) * len(rejected))

    approved = sum(photo.approved for photo in wanted)
    print(
        f"{len(wanted)} photos ({approved} a reviewer approves), {len(rows)} passed stage 1 and reach "
        f"screening; {elapsed:.0f} s on {args.workers} workers"
    )
    print(
        f"training: {len(training)} photos ({sum(d.approved for d in training)} approved); "
        f"held back: {len(checked)} ({sum(d.approved for d in checked)} approved)"
    )
    print(f"quality score, approved vs rejected unedited photos reaching screening: AUC {auc:.3f}\n")
    print("| interface | success rate | agreed / total | weight (3 interfaces) |")
    print("|---|---|---|---|")
    learnt = {I(name): entry["rate"] for name, entry in rates.items()}
    weights = combine({interface: 100.0 for interface in I}, learnt).weights
    for name, entry in rates.items():
        agreed = f"{entry['agreed']} / {entry['total']}"
        print(f"| {name} | {entry['rate']:.3f} | {agreed} | {weights[I(name)]:.3f} |")
    print("\nHeld-back photos screened with the learnt weights:\n")
    print(
        "| threshold | auto-approved | to reviewers (share) | auto-approved but a reviewer rejects "
        "(disagreement) | reviewer approves, still sent to a reviewer |"
    )
    print("|---|---|---|---|---|")
    for threshold in args.thresholds:
        auto = [d for d in checked if would_approve(d, learnt, threshold)]
        wrong = sum(not d.approved for d in auto)
        routed = len(checked) - len(auto)
        share = f"{wrong / len(auto):.1%}" if auto else "-"
        missed = sum(d.approved for d in checked if d not in auto)
        print(
            f"| {threshold:.0f} | {len(auto)} | {routed} ({routed / len(checked):.1%}) | {wrong} ({share}) "
            f"| {missed} |"
        )


if __name__ == "__main__":
    main()
