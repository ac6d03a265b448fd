"""Stage 1 automatic review on real photos: compliant portraits must pass, tagged defects must be caught.

    .venv/bin/python benchmarks/evaluate_auto_review.py [--out DIR] [--datasets DIR] [--limit N]

Runs `check_photo` on every photo of `id_portraits` (compliant: each rejection is a false reject) and of
`id_defects` (tagged: a "no" row is caught when a reason that fits one of its tags is reported), splits
the London smiling set into the identities the smile model was fitted on (odd) and the held-out ones
(even), injects each defect of `photoflow.sandbox.defects.INJECTIONS` into every portrait that passed,
and times the review. For every passing portrait's spec image it prints what a print sheet shows: the
band of rows at the bottom edge without the person (painted background), the face width against the
spec's target and the share of person pixels the background replacement recoloured. It lists the
portraits refused for their framing with the reasons, so the framing rule's cost is in plain view.
`--limit N` reviews only the first N photos of each set folder, for a quick look while developing.
`--out` writes an overlay of every rejected dataset photo.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data_contracts.photo_spec import PhotoSpec, load_photo_spec
from photoflow.face.analyzer import FaceAnalyzer, get_analyzer
from photoflow.quality.overlay import write_overlay
from photoflow.quality.recolour import recoloured_share
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.sandbox.defects import INJECTIONS, face_crop
from schemas.reasons import PhotoReason as R

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
EXPRESSION = frozenset({R.SMILING, R.TEETH_SHOWING, R.MOUTH_OPEN})
FRAMING = frozenset(
    {
        R.HEAD_CUT_OFF,
        R.HEAD_ROLL,
        R.HEAD_TOP_POSITION,
        R.EYE_LINE_POSITION,
        R.FACE_WIDTH,
        R.TOO_CLOSE,
        R.LOW_RESOLUTION,
        R.HEAD_YAW,
        R.HEAD_PITCH,
        R.FACE_TOO_LARGE,
        R.FACE_TOO_SMALL,
        R.CHIN_POSITION,
        R.OFF_CENTRE,
        R.CROPPED_TOO_TIGHT,
        R.HEAD_TOO_CLOSE_TO_TOP,
        R.BLACK_EDGE,
        R.SHOULDERS_NOT_LEVEL,  # the set's "head pose" photos lean the whole upper body
    }
)
# Reasons by which standardisation refuses an original whose framing cannot give a compliant spec image,
# and the placement rules on the spec image; a good portrait rejected for one of them shows the framing
# rule's cost.
FRAMING_REFUSALS = frozenset(
    {
        R.HEAD_CUT_OFF,
        R.TOO_CLOSE,
        R.CROPPED_TOO_TIGHT,
        R.HEAD_TOO_CLOSE_TO_TOP,
        R.HEAD_TOP_POSITION,
        R.EYE_LINE_POSITION,
        R.FACE_WIDTH,
        R.FACE_TOO_LARGE,
        R.FACE_TOO_SMALL,
        R.CHIN_POSITION,
        R.OFF_CENTRE,
        R.BLACK_EDGE,
    }
)
BAND_LIMIT = 10  # rows: a painted band this tall is visible on a print sheet (target: no photo has one)
PERSON_ROW_SHARE = 0.05  # a row in which the person covers less than this is background only
INJECTED_CAUGHT_TARGET = 0.95  # each injected defect caught with its own reason
GOOD_REJECTED_TARGET = 0.02  # good portraits rejected
# Which reasons count as catching a defect tag of id_defects/labels.csv. A tag not listed here stops the
# run, so a new tag in the labels cannot be counted silently as caught or missed.
ACCEPTABLE: dict[str, frozenset[R]] = {
    "expression_not_neutral": EXPRESSION,
    "eyebrows_raised": EXPRESSION,  # only with "surprised", whose open mouth is what stage 1 measures
    "mouth_open": frozenset({R.MOUTH_OPEN, R.TEETH_SHOWING}),
    "mouth_open/expression": EXPRESSION,
    "eye_closed_one": frozenset({R.EYES_CLOSED}),
    "eyes_partially_closed": frozenset({R.EYES_CLOSED}),
    "uneven_illumination": frozenset({R.UNEVEN_LIGHTING, R.UNDEREXPOSED}),
    "shadow": frozenset({R.UNEVEN_LIGHTING, R.UNDEREXPOSED}),
    "greyscale": frozenset({R.GREYSCALE}),
    "sunglasses": frozenset({R.TINTED_LENSES}),
    "glare_on_glasses": frozenset({R.GLARE}),
    "busy_background": frozenset({R.BACKGROUND_NOT_PLAIN}),
    "background_not_plain": frozenset({R.BACKGROUND_NOT_PLAIN, R.BLACK_EDGE}),  # a bad crop's edge too
    "framing/head_size/head_pose": FRAMING,
    "camera_distance/head_size": FRAMING,
    "glasses_frame_over_eyes/tilted_glasses": frozenset(
        {R.GLARE, R.TINTED_LENSES, R.EYES_CLOSED, R.HEAD_ROLL}
    ),
}
NAMED_SETS = {"expression reasons": EXPRESSION, "framing reasons": FRAMING}
GREYSCALE_TAG = "greyscale"


@dataclass
class Reviewed:
    path: str  # relative to its dataset folder
    row: dict[str, str]
    check: PhotoCheck
    seconds: float

    @property
    def tags(self) -> list[str]:
        return [tag for tag in self.row.get("defect_tags", "").split(";") if tag]

    def matches(self, tags: Iterable[str]) -> bool:
        """Rejected with at least one reason that fits one of `tags`."""
        found = set(self.check.reasons)
        return any(found & ACCEPTABLE[tag] for tag in tags)


def review_folder(
    folder: Path, labels: str, analyzer: FaceAnalyzer, spec: PhotoSpec, limit: int | None = None
) -> list[Reviewed]:
    """Review the folder's labelled photos; with `limit`, only the first that many of each set folder."""
    with (folder / labels).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if limit is not None:
        taken: Counter[str] = Counter()
        kept = []
        for row in rows:
            set_folder = row["relative_path"].split("/")[0]
            taken[set_folder] += 1
            if taken[set_folder] <= limit:
                kept.append(row)
        rows = kept
    reviewed = []
    for row in rows:
        path = folder / row["relative_path"]
        started = time.perf_counter()
        check = check_photo(path.read_bytes(), name=path.name, analyzer=analyzer, spec=spec)
        reviewed.append(Reviewed(row["relative_path"], row, check, time.perf_counter() - started))
    return reviewed


def reason_names(reasons: frozenset[R]) -> str:
    """The reasons, or the name of the set they form, to keep the tables narrow."""
    name = next((name for name, named in NAMED_SETS.items() if named == reasons), None)
    return name or ", ".join(sorted(reason.value for reason in reasons))


def reason_list(check: PhotoCheck) -> str:
    return ", ".join(reason.value for reason in check.reasons)


def table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, tuple("-" * width for width in widths), *rows):
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "0/0"


def report_portraits(portraits: list[Reviewed]) -> None:
    rejected = [item for item in portraits if not item.check.passed]
    print(f"(a) id_portraits (compliant; every rejection is a false reject): {len(portraits)} photos")
    print(f"  passed: {share(len(portraits) - len(rejected), len(portraits))}")
    print(f"  rejected: {share(len(rejected), len(portraits))}")
    for item in rejected:
        print(f"  - {item.path}: {reason_list(item.check)}")


def bottom_band(mask: np.ndarray) -> int:
    """Rows from the spec image's bottom edge in which the person (mask > 0.5) covers less than 5% of the
    row: background painted below the body where the original ended above the chest."""
    person_rows = (mask > 0.5).mean(axis=1) >= PERSON_ROW_SHARE
    covered = np.flatnonzero(person_rows[::-1])
    return int(covered[0]) if covered.size else mask.shape[0]


def report_spec_images(portraits: list[Reviewed], spec: PhotoSpec) -> None:
    """What the registry and the print sheet receive: no painted band, the face at the target width, the
    person's own colours."""
    passed = [item for item in portraits if item.check.passed and item.check.spec_mask is not None]
    print(f"\n(a2) spec images of the {len(passed)} id_portraits photos that passed")
    bands = [bottom_band(item.check.spec_mask) for item in passed if item.check.spec_mask is not None]
    if bands:
        tall = [(item.path, band) for item, band in zip(passed, bands, strict=True) if band >= BAND_LIMIT]
        verdict = "PASS" if not tall else "MISS"
        print(
            f"  bottom band (rows at the bottom edge where the person covers < {PERSON_ROW_SHARE:.0%} of "
            f"the row): {len(tall)} photos with {BAND_LIMIT} rows or more (target 0) {verdict}"
        )
        counts = Counter(min(band, BAND_LIMIT) for band in bands)
        spread = ", ".join(
            f"{band if band < BAND_LIMIT else f'>={BAND_LIMIT}'}: {counts[band]}" for band in sorted(counts)
        )
        print(f"  distribution (rows: photos): {spread}; max {max(bands)}")
        for path, band in tall:
            print(f"  - {path}: {band} rows")
    target = spec.geometry.target_face_width
    widths = [item.check.spec_face.face_width for item in passed if item.check.spec_face is not None]
    if widths:
        median = statistics.median(widths)
        verdict = "PASS" if abs(median - target) <= 10 else "MISS"
        print(
            f"  face width: median {median:.0f} px (target {target:.0f}, within 10 px: {verdict}), "
            f"min {min(widths):.0f}, max {max(widths):.0f}"
        )
    report_recoloured(passed)


def report_recoloured(passed: list[Reviewed]) -> None:
    """Person pixels whose colour the background replacement changed, from the original warped into place."""
    shares = [
        recoloured_share(item.check.decoded.rgb, item.check.spec_matrix, item.check.spec_rgb)
        for item in passed
        if item.check.decoded is not None
        and item.check.spec_matrix is not None
        and item.check.spec_rgb is not None
    ]
    if shares:
        print(
            f"  person pixels recoloured: median {statistics.median(shares):.2%}, "
            f"mean {statistics.mean(shares):.2%}, max {max(shares):.2%} over {len(shares)} photos"
        )


def report_framing(portraits: list[Reviewed]) -> None:
    """Good portraits the framing rule refused (no spec image) or rejected for placement, and why."""
    refused = [
        item
        for item in portraits
        if not item.check.passed
        and (item.check.spec_rgb is None or set(item.check.reasons) & FRAMING_REFUSALS)
    ]
    print(f"\n(a3) id_portraits refused for framing: {share(len(refused), len(portraits))}")
    counts = Counter(
        reason.value for item in refused for reason in item.check.reasons if reason in FRAMING_REFUSALS
    )
    if counts:
        print("  by reason: " + ", ".join(f"{reason} {count}" for reason, count in counts.most_common()))
    for item in refused:
        made = "no spec image" if item.check.spec_rgb is None else "spec image made"
        print(f"  - {item.path} ({made}): {reason_list(item.check)}")


def report_defect_tags(defects: list[Reviewed]) -> None:
    no_rows = [item for item in defects if item.row["expected_compliant"] == "no"]
    unknown = {tag for item in no_rows for tag in item.tags} - ACCEPTABLE.keys()
    if unknown:
        raise SystemExit(
            f"labels.csv has defect tags with no acceptable reasons defined here: {sorted(unknown)}"
        )
    print(f'\n(b) id_defects rows with expected_compliant = "no": {len(no_rows)} photos')
    rows = []
    for tag in sorted({tag for item in no_rows for tag in item.tags}):
        tagged = [item for item in no_rows if tag in item.tags]
        matched = sum(item.matches([tag]) for item in tagged)
        wrong = sum(not item.check.passed and not item.matches([tag]) for item in tagged)
        missed = sum(item.check.passed for item in tagged)
        rows.append((tag, len(tagged), matched, wrong, missed, reason_names(ACCEPTABLE[tag])))
    table(("tag", "n", "caught, matching reason", "caught, other reason only", "missed", "accepted"), rows)
    for name, reasons in NAMED_SETS.items():
        print(f"  {name} = {', '.join(sorted(reason.value for reason in reasons))}")
    matched_rows = sum(item.matches(item.tags) for item in no_rows)
    print(f"  rejected with a reason matching one of its tags: {share(matched_rows, len(no_rows))}")
    colour_rows = [item for item in no_rows if set(item.tags) - {GREYSCALE_TAG}]
    matched_colour = sum(item.matches(set(item.tags) - {GREYSCALE_TAG}) for item in colour_rows)
    print(
        "  the same, counting only tags other than greyscale (every Yale photo is greyscale, which alone "
        f"rejects it): {share(matched_colour, len(colour_rows))}"
    )
    still_missed = [item for item in no_rows if not item.check.passed and not item.matches(item.tags)]
    for item in [item for item in no_rows if item.check.passed] + still_missed:
        verdict = "passed" if item.check.passed else f"rejected for {reason_list(item.check)}"
        print(f"  - not caught for its tags: {item.path} [{';'.join(item.tags)}]: {verdict}")


def report_smiling(defects: list[Reviewed], portraits: list[Reviewed]) -> None:
    print(
        "\n(c) London smiling set: the smile model was fitted on odd-numbered identities, even are held out"
    )
    smiling = london(defects, "london_smiling_front/")
    neutral = london(portraits, "london_neutral_front/")
    rows = []
    for parity, label in ((1, "odd (fitted)"), (0, "even (held out)")):
        smiles = [item for number, item in smiling if number % 2 == parity]
        neutrals = [item for number, item in neutral if number % 2 == parity]
        caught = sum(item.matches(["expression_not_neutral"]) for item in smiles)
        smile_reason = sum(R.SMILING in item.check.reasons for item in smiles)
        flagged = sum(bool(set(item.check.reasons) & EXPRESSION) for item in neutrals)
        rows.append(
            (
                label,
                len(smiles),
                share(caught, len(smiles)),
                share(smile_reason, len(smiles)),
                share(flagged, len(neutrals)),
            )
        )
    header = (
        "identities",
        "smiling n",
        "caught (smile/teeth/mouth)",
        "SMILING among reasons",
        "same people neutral, flagged for expression",
    )
    table(header, rows)


def london(reviewed: list[Reviewed], folder: str) -> list[tuple[int, Reviewed]]:
    """The London photos in `folder` with their identity number NNN (from NNN_03.jpg or NNN_08.jpg)."""
    return [
        (int(item.path.removeprefix(folder).split("_")[0]), item)
        for item in reviewed
        if item.path.startswith(folder)
    ]


def report_other_rows(defects: list[Reviewed]) -> None:
    print("\n(d) id_defects rows expected yes / depends / reference (information only)")
    for expected in ("yes", "depends", "reference"):
        rows = [item for item in defects if item.row["expected_compliant"] == expected]
        rejected = [item for item in rows if not item.check.passed]
        reasons = Counter(reason.value for item in rejected for reason in item.check.reasons)
        top = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common(6))
        print(f"  {expected}: rejected {share(len(rejected), len(rows))}; top reasons: {top or '-'}")


def report_injected(portraits: list[Reviewed], analyzer: FaceAnalyzer, spec: PhotoSpec) -> list[float]:
    """Inject every defect into every portrait that passed; the donor of a second face is the next one."""
    passed = [item.check for item in portraits if item.check.passed]
    print(f"\n(e) injected defects, each into every one of the {len(passed)} id_portraits photos that passed")
    donors = [
        face_crop(check.decoded.rgb, check.source_face)
        for check in passed
        if check.decoded and check.source_face
    ]
    outcomes = {injection.defect: Counter() for injection in INJECTIONS}
    not_caught: list[str] = []
    timings: list[float] = []
    for number, portrait in enumerate(passed):
        donor = donors[(number + 1) % len(donors)]
        for injection in INJECTIONS:
            data = injection.make(portrait, donor, spec)
            started = time.perf_counter()
            check = check_photo(data, name=portrait.file, analyzer=analyzer, spec=spec)
            timings.append(time.perf_counter() - started)
            caught = bool(set(check.reasons) & injection.reasons)
            outcome = "caught" if caught else "missed" if check.passed else "other"
            outcomes[injection.defect][outcome] += 1
            if not caught:
                not_caught.append(
                    f"{injection.defect} into {portrait.file}: {reason_list(check) or 'passed'}"
                )
    rows = []
    for injection in INJECTIONS:
        count = outcomes[injection.defect]
        into = "spec image" if injection.into_spec_image else "raw portrait"
        caught = count["caught"]
        verdict = "PASS" if passed and caught >= INJECTED_CAUGHT_TARGET * len(passed) else "MISS"
        rows.append(
            (
                injection.defect,
                into,
                len(passed),
                share(caught, len(passed)),
                verdict,
                count["other"],
                count["missed"],
                reason_names(injection.reasons),
            )
        )
    header = ("defect", "into", "n", "caught, its reason", ">= 95%", "other reason", "missed", "its reason")
    table(header, rows)
    rejected = sum(not item.check.passed for item in portraits)
    verdict = "PASS" if rejected <= GOOD_REJECTED_TARGET * len(portraits) else "MISS"
    print(f"  good portraits rejected (target <= 2%): {share(rejected, len(portraits))} {verdict}")
    for line in not_caught:
        print(f"  - not caught with its reason: {line}")
    return timings


def write_overlays(out: Path, reviewed: Iterable[tuple[str, Reviewed]], spec: PhotoSpec) -> int:
    written = 0
    for dataset, item in reviewed:
        if not item.check.passed:
            name = item.path.replace("/", "__").rsplit(".", 1)[0] + ".png"
            write_overlay(item.check, spec, out / dataset / name)
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="write overlays of rejected photos here")
    parser.add_argument("--datasets", type=Path, default=DATASETS, help=f"default: {DATASETS}")
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N photos of each set folder (a quick look)"
    )
    args = parser.parse_args()
    spec = load_photo_spec()

    started = time.perf_counter()
    analyzer = get_analyzer()
    analyzer.analyse(np.full((64, 64, 3), 128, np.uint8))  # the graphs' first run is slow; keep it apart
    load_seconds = time.perf_counter() - started
    portraits = review_folder(args.datasets / "id_portraits", "images.csv", analyzer, spec, args.limit)
    defects = review_folder(args.datasets / "id_defects", "labels.csv", analyzer, spec, args.limit)

    report_portraits(portraits)
    report_spec_images(portraits, spec)
    report_framing(portraits)
    report_defect_tags(defects)
    report_smiling(defects, portraits)
    report_other_rows(defects)
    injected_seconds = report_injected(portraits, analyzer, spec)

    print("\n(f) seconds per photo (check_photo: decode, analyse, standardise, measure; one CPU process)")
    print(f"  models loaded and warmed up in {load_seconds:.2f} s (once per process)")
    for label, seconds in (
        ("id_portraits", [item.seconds for item in portraits]),
        ("id_defects", [item.seconds for item in defects]),
        ("injected defects", injected_seconds),
    ):
        print(
            f"  {label}: mean {statistics.mean(seconds):.3f} s, median {statistics.median(seconds):.3f} s, "
            f"max {max(seconds):.3f} s over {len(seconds)} photos"
        )
    if args.out:
        reviewed = [("id_portraits", item) for item in portraits] + [("id_defects", item) for item in defects]
        print(
            f"\noverlays of {write_overlays(args.out, reviewed, spec)} rejected photos written to {args.out}"
        )


if __name__ == "__main__":
    main()
