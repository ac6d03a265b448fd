"""Tamper ("PS") check on real portraits: unedited photos must pass, vendor-style edits must be flagged.

    .venv/bin/python benchmarks/evaluate_tamper.py [--datasets DIR] [--edits N] [--qualities 85 90 95]

Runs `check_tamper` on every unedited portrait (London neutral and smiling, Canada), on each of them
re-saved uniformly at q85 and at q95 (a chat app's or an editor's re-compression: must not flag), on
the first N London portraits with only a Photoshop or Meitu EXIF Software tag, and on each edit of
`photoflow/sandbox/fraud_edits.py` saved at each quality. Prints one row per case: photos, flagged,
flagged %, median score, ms per photo (check only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from photoflow.sandbox import fraud_edits as edits
from photoflow.settings import Settings
from photoflow.tamper.check import check_tamper

Edit = Callable[[np.ndarray, np.ndarray], np.ndarray]
EDITS: dict[str, Edit] = {
    "recolour_skin": lambda rgb, _: edits.recolour_skin(rgb),
    "whiten_skin": lambda rgb, _: edits.whiten_skin(rgb),
    "brighten_skin": lambda rgb, _: edits.brighten_skin(rgb),
    "retouch": lambda rgb, _: edits.retouch(rgb),
    "paste_face": edits.paste_face,
    "morph": edits.morph,
    "clone_region": lambda rgb, _: edits.clone_region(rgb),
}


def unedited(datasets: Path) -> list[Path]:
    return sorted(
        [
            *(datasets / "id_portraits" / "london_neutral_front").glob("*_03.jpg"),
            *(datasets / "id_defects" / "london_smiling_front").glob("*_08.jpg"),
            *(datasets / "id_portraits" / "canada_subset").glob("*.jpg"),
        ]
    )


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def row(case: str, photos: Iterable[bytes]) -> None:
    scores, flagged, seconds = [], 0, 0.0
    for data in photos:
        start = time.perf_counter()
        result = check_tamper(data, name=case)
        seconds += time.perf_counter() - start
        scores.append(result.score)
        flagged += result.flagged
    n = len(scores)
    print(
        f"{case:26s} {n:5d} {flagged:8d} {100 * flagged / n:9.1f} {statistics.median(scores):8.1f} "
        f"{1000 * seconds / n:8.0f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Settings().datasets_dir)
    parser.add_argument("--edits", type=int, default=30, help="London portraits each edit is made from")
    parser.add_argument("--qualities", type=int, nargs="+", default=[85, 90, 95])
    args = parser.parse_args()
    originals = unedited(args.datasets)
    london = [p for p in originals if p.parent.name == "london_neutral_front"][: args.edits]
    print(f"{'case':26s} {'n':>5s} {'flagged':>8s} {'flagged%':>9s} {'median':>8s} {'ms/photo':>8s}")
    row("unedited", (p.read_bytes() for p in originals))
    for quality in (85, 95):  # uniform re-saves below and above the originals' quality: never edits
        row(f"resaved q{quality} (control)", (edits.save_jpeg(rgb(p), quality) for p in originals))
    for software in ("Adobe Photoshop 2024 (Windows)", "Meitu"):
        tagged = (edits.with_software_tag(p.read_bytes(), software) for p in london)
        row(f"tag {software.split()[0]} only", tagged)
    donors = london[1:] + london[:1]  # each photo's donor is the next London person
    for name, edit in EDITS.items():
        made = [edit(rgb(host), rgb(donor)) for host, donor in zip(london, donors, strict=True)]
        for quality in args.qualities:
            row(f"{name} q{quality}", (edits.save_jpeg(image, quality) for image in made))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
