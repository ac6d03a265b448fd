"""Tamper ("PS") check on real portraits: unedited photos must pass, edits must be flagged.

    .venv/bin/python benchmarks/evaluate_tamper.py [--datasets DIR] [--edits N] [--qualities 85 90 95]
                                                   [--independent N]

Runs `check_tamper` on every unedited portrait (all of `id_portraits` and London smiling), on each of
them re-saved uniformly at q85 and at q95 and once through an encoder of `independent_edits.SAVES` (a
chat app's or an editor's re-compression: must not flag), on the first N London portraits with only
a Photoshop or Meitu EXIF Software tag, then two sets of edits apart:
- the fitted set: each edit of `photoflow/sandbox/fraud_edits.py` (what the thresholds were measured
  on) on the first N London portraits, saved at each quality;
- the independent set: each edit of `photoflow/sandbox/independent_edits.py` (other tools, blends and
  encoders, never fitted on except where `tamper_spec.toml` says so, on its first 24 London identities),
  split by identity: the first 24 London portraits ("fit half") and the London portraits after them
  ("report half", the figures to judge by); one row per edit and one per encoder.
Prints one row per case: photos, flagged, flagged %, median score, ms per photo (check only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from photoflow.sandbox import fraud_edits as edits
from photoflow.sandbox import independent_edits as independent
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


FIT_HALF = 24  # London identities the independent set's fitted thresholds saw (tamper_spec.toml)


def unedited(datasets: Path) -> list[Path]:
    return sorted(
        [
            *(datasets / "id_portraits").glob("*/*.jpg"),
            *(datasets / "id_defects" / "london_smiling_front").glob("*_08.jpg"),
        ]
    )


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@dataclass
class Tally:
    """Scores, flags and check time of one case's photos."""

    scores: list[float] = field(default_factory=list)
    flagged: int = 0
    seconds: float = 0.0

    def add(self, data: bytes, case: str) -> None:
        start = time.perf_counter()
        result = check_tamper(data, name=case)
        self.seconds += time.perf_counter() - start
        self.scores.append(result.score)
        self.flagged += result.flagged

    def print(self, case: str) -> None:
        n = len(self.scores)
        print(
            f"{case:36s} {n:5d} {self.flagged:8d} {100 * self.flagged / n:9.1f} "
            f"{statistics.median(self.scores):8.1f} {1000 * self.seconds / n:8.0f}",
            flush=True,
        )


def row(case: str, photos: Iterable[bytes]) -> None:
    tally = Tally()
    for data in photos:
        tally.add(data, case)
    tally.print(case)


def independent_rows(half: str, hosts: list[Path], seed: int) -> None:
    """Every independent edit of each host (its donor: the next host), saved by an encoder drawn per
    photo; one row per edit, one per encoder, and one for all edits together."""
    by_edit: dict[str, Tally] = defaultdict(Tally)
    by_save: dict[str, Tally] = defaultdict(Tally)
    everything = Tally()
    donors = hosts[1:] + hosts[:1]
    for number, (host, donor) in enumerate(zip(hosts, donors, strict=True)):
        host_rgb, donor_rgb = rgb(host), rgb(donor)
        for position, (name, edit) in enumerate(independent.EDITS.items()):
            generator = np.random.default_rng([seed, number, position])
            save, data = independent.save(edit(host_rgb, donor_rgb, generator), generator)
            for tally in (by_edit[name], by_save[save], everything):
                tally.add(data, name)
    for name, tally in by_edit.items():
        tally.print(f"{half}: {name}")
    for save, tally in sorted(by_save.items()):
        tally.print(f"{half}: saved {save}")
    everything.print(f"{half}: all edits")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Settings().datasets_dir)
    parser.add_argument("--edits", type=int, default=30, help="London portraits each edit is made from")
    parser.add_argument("--qualities", type=int, nargs="+", default=[85, 90, 95])
    parser.add_argument("--independent", type=int, default=48, help="London portraits of the report half")
    args = parser.parse_args()
    originals = unedited(args.datasets)
    every_london = [p for p in originals if p.parent.name == "london_neutral_front"]
    london = every_london[: args.edits]
    print(f"{'case':36s} {'n':>5s} {'flagged':>8s} {'flagged%':>9s} {'median':>8s} {'ms/photo':>8s}")
    row("unedited", (p.read_bytes() for p in originals))
    for quality in (85, 95):  # uniform re-saves below and above the originals' quality: never edits
        row(f"resaved q{quality} (control)", (edits.save_jpeg(rgb(p), quality) for p in originals))
    resaved = (independent.save(rgb(p), np.random.default_rng([7, n]))[1] for n, p in enumerate(originals))
    row("resaved, independent encoders", resaved)
    for software in ("Adobe Photoshop 2024 (Windows)", "Meitu"):
        tagged = (edits.with_software_tag(p.read_bytes(), software) for p in london)
        row(f"tag {software.split()[0]} only", tagged)
    donors = london[1:] + london[:1]  # each photo's donor is the next London person
    for name, edit in EDITS.items():
        made = [edit(rgb(host), rgb(donor)) for host, donor in zip(london, donors, strict=True)]
        for quality in args.qualities:
            row(f"fitted: {name} q{quality}", (edits.save_jpeg(image, quality) for image in made))
    independent_rows("independent, fit half", every_london[:FIT_HALF], 1)
    independent_rows("independent, report half", every_london[FIT_HALF : FIT_HALF + args.independent], 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
