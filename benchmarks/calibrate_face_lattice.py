"""Where to draw the face-lattice line: how much of the first compression's lattice faces keep.

    .venv/bin/python benchmarks/calibrate_face_lattice.py [--datasets DIR] [--edits N] [--workers N]
        [--controls] [--csv FILE]

Reads the face's skin with the production code (`compression.analyse`, `compression.region_lattice`,
`skin_regions.face_skin`) on every unedited portrait (London neutral and smiling, Canada) as uploaded
and re-saved uniformly at q85, q90 and q95 (a chat app's or an editor's re-compression: the false-flag
risk), and on the first N London portraits with each tone edit of `photoflow/sandbox/fraud_edits.py` saved at
the same qualities. `--controls` adds photos from outside the portraits the lines were drawn on: every
other `id_defects` photo and the in-the-wild `deepface_tests` photos, as uploaded and re-saved (none
of them edited by this project, so each one at or below the flag line is a false flag to explain).
Prints, per case, how many faces were read (the photo compressed twice and the face
at least `face_lattice.min_span` nats between the models), the share's lowest, 2nd and 5th percentile,
median and highest, and how many fall at or below the spec's flag line; `--csv` writes every reading.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.evaluate_tamper import unedited
from data_contracts.tamper_spec import TamperSpec, load_tamper_spec
from photoflow.face.analyzer import get_analyzer
from photoflow.sandbox import fraud_edits as edits
from photoflow.settings import Settings
from photoflow.tamper.compression import analyse
from photoflow.tamper.face_lattice import face_and_rest

QUALITIES = (85, 90, 95)
EDITS = {
    "recolour_skin": edits.recolour_skin,
    "whiten_skin": edits.whiten_skin,
    "brighten_skin": edits.brighten_skin,
    "retouch": edits.retouch,
}


Reading = tuple[float, float, float, float]  # face share, face span, rest share, rest span


def reading(data: bytes) -> Reading | None:
    """The face's and the rest's lattice in `data`, as the check reads them; None where it reads
    nothing (no face, not a JPEG, compressed once, too little span)."""
    spec = load_tamper_spec()
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    face = get_analyzer().analyse(rgb, whole_picture=False).landmarks
    result = analyse(Image.open(io.BytesIO(data)), spec.compression)
    found = None if face is None or result is None else face_and_rest(result, face, rgb.shape, spec)
    if found is None:
        return None
    skin, rest = found
    return skin.share, skin.span, rest.share, rest.span


def controls(datasets: Path) -> list[Path]:
    """Unedited photos of other sources: ID defects (framing, light, glasses...) and in-the-wild faces."""
    defects = (p for p in (datasets / "id_defects").rglob("*.jpg") if p.parent.name != "london_smiling_front")
    return sorted([*defects, *(datasets / "deepface_tests" / "images").glob("*.jpg")])


def photos(path: Path, edit: str | None) -> list[tuple[str, bytes]]:
    """The cases made from one portrait: as uploaded and re-saved, or one edit at each quality."""
    original = np.asarray(Image.open(path).convert("RGB"))
    if edit in (None, "control"):
        label = "unedited" if edit is None else "control"
        made = [(f"{label} as uploaded", path.read_bytes())]
        return made + [(f"{label} resaved q{q}", edits.save_jpeg(original, q)) for q in QUALITIES]
    edited = EDITS[edit](original)
    return [(f"{edit} q{q}", edits.save_jpeg(edited, q)) for q in QUALITIES]


def read_all(job: tuple[Path, str | None]) -> list[tuple[str, str, Reading | None]]:
    path, edit = job
    return [(case, path.name, reading(data)) for case, data in photos(path, edit)]


def summary(readings: list[tuple[str, str, Reading | None]], spec: TamperSpec) -> None:
    """Per case: photos read, the face's share (lowest, 2nd percentile, median, highest), the face's
    share of the rest's (lowest, 2nd percentile, median) and how many the spec flags."""
    by_case: dict[str, list[Reading]] = defaultdict(list)
    for case, _, value in readings:
        by_case[case] += [value] if value else []
    scale = spec.face_lattice
    print(
        f"flagged: the face's share at or below {scale.flag_ratio} and at most {scale.max_share_of_rest} "
        f"of the rest's (nothing said from {scale.clear_ratio})"
    )
    print(
        f"{'case':26s} {'photos':>6s} {'read':>5s} {'lowest':>7s} {'p2':>6s} {'median':>7s} "
        f"{'highest':>7s} {'/rest low':>9s} {'p2':>6s} {'median':>7s} {'flagged':>8s}"
    )
    for case in dict.fromkeys(case for case, _, _ in readings):
        photos_in_case = sum(1 for other, _, _ in readings if other == case)
        values = np.array(by_case[case]).reshape(-1, 4)
        if not len(values):
            print(f"{case:26s} {photos_in_case:6d} {0:5d}")
            continue
        share, rest = values[:, 0], values[:, 2]
        ratio = share / np.maximum(rest, 1e-6)
        flagged = int(((share <= scale.flag_ratio) & (share <= scale.max_share_of_rest * rest)).sum())
        low, p2, median, high = np.percentile(share, [0, 2, 50, 100])
        ratio_low, ratio_p2, ratio_median = np.percentile(ratio, [0, 2, 50])
        print(
            f"{case:26s} {photos_in_case:6d} {len(values):5d} {low:7.2f} {p2:6.2f} {median:7.2f} "
            f"{high:7.2f} {ratio_low:9.2f} {ratio_p2:6.2f} {ratio_median:7.2f} {flagged:8d}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Settings().datasets_dir)
    parser.add_argument("--edits", type=int, default=102, help="London portraits each edit is made from")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--controls", action="store_true", help="add unedited photos of other sources")
    parser.add_argument("--csv", type=Path, help="write every reading here")
    args = parser.parse_args()
    spec = load_tamper_spec()
    originals = unedited(args.datasets)
    london = [p for p in originals if p.parent.name == "london_neutral_front"][: args.edits]
    jobs = [(path, None) for path in originals] + [(path, edit) for edit in EDITS for path in london]
    if args.controls:
        jobs += [(path, "control") for path in controls(args.datasets)]
    with ProcessPoolExecutor(args.workers) as pool:
        readings = [row for rows in pool.map(read_all, jobs) for row in rows]
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["case", "photo", "face_share", "face_span", "rest_share", "rest_span"])
            writer.writerows([case, name, *(value or ("",) * 4)] for case, name, value in readings)
    summary(readings, spec)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
