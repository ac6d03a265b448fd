"""Stage 3 similarity on real pairs, scored by the committed calibration, against the platform's targets.

    .venv/bin/python benchmarks/evaluate_similarity.py [--model Dlib] [--out data/similarity] [--fresh]

Scores the 1000 pairs of LFW View 1 DevTest and the London ID-style set (102 neutral-vs-smiling genuine
pairs and their 10,302 impostor pairs) through `data_contracts/similarity_calibration.toml` and prints,
per set: the false-accept rate of the 85+ band (target <= 0.1%), the share of genuine pairs at 85+
(target >= 99% for the London ID-style pairs), the shares of genuine and impostor pairs in 50-85, the
TAR at the 50 line, and the faces not found (a pair without both faces is a failure to compare: it stays
in every denominator and counts in no band). Embeddings come from the cache that
`calibrate_similarity.py` fills (`--fresh` re-embeds, to time it). Always exits 0: it reports, it does
not gate.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

import time

import numpy as np

from benchmarks.similarity_pairs import (
    BandFigures,
    Pair,
    band_figures,
    embed_images,
    embedding_arguments,
    image_paths,
    lfw_pairs,
    london_pairs,
    pair_distances,
    percent,
    scores_of,
    timing_line,
)
from photoflow.similarity.scoring import CALIBRATION_FILE, load_calibration

FAR_TARGET = 0.001
LONDON_GENUINE_TARGET = 0.99


def verdict(value: float, target: float | None, *, at_most: bool) -> str:
    if target is None:
        return "(no target)"
    ok = value <= target if at_most else value >= target
    return f"[target {'<=' if at_most else '>='} {100 * target:g}%: {'PASS' if ok else 'FAIL'}]"


def report(
    name: str,
    genuine: BandFigures,
    impostor: BandFigures,
    missing: list[Path],
    images: int,
    genuine_target: float | None,
) -> list[tuple[str, bool]]:
    """Prints one set's figures; returns (target, met) for the figures that have a target."""
    g, i = genuine, impostor
    far = i.same / i.pairs
    same = g.same / g.pairs
    rows = [
        ("impostor FAR in the 85+ band", percent(i.same, i.pairs), verdict(far, FAR_TARGET, at_most=True)),
        ("genuine pairs scoring 85+", percent(g.same, g.pairs), verdict(same, genuine_target, at_most=False)),
        ("genuine pairs in 50-85", percent(g.possible, g.pairs), "(no target)"),
        ("impostor pairs in 50-85", percent(i.possible, i.pairs), "(no target)"),
        ("TAR at the 50 line (>50)", percent(g.above_50, g.pairs), "(no target)"),
        ("genuine pairs <= 50", percent(g.different, g.pairs), "(no target)"),
        ("faces not found", f"{len(missing)} of {images} images", "(no target)"),
        ("pairs not compared", f"genuine {g.failed}, impostor {i.failed} (in no band)", "(no target)"),
    ]
    print(f"\n{name}: {g.pairs} genuine, {i.pairs} impostor pairs")
    for label, value, judged in rows:
        print(f"  {label:30s} {value:36s} {judged}")
    if missing:
        print(f"  no face found in: {', '.join(path.name for path in missing)}")
    met = [(f"{name}: FAR 85+ <= 0.1%", far <= FAR_TARGET)]
    if genuine_target is not None:
        met.append((f"{name}: genuine 85+ >= {100 * genuine_target:g}%", same >= genuine_target))
    return met


def main() -> None:
    args = embedding_arguments(__doc__.split("\n\n")[0], out_help="where the embedding cache lives")
    started = time.perf_counter()

    calibration = load_calibration(CALIBRATION_FILE)
    entry = calibration.for_model(args.model)
    print(
        f"calibration {CALIBRATION_FILE.name}: model {entry.model}, fitted {entry.fitted_at} on "
        f"{entry.fitted_on}"
    )
    print(
        f"  knots (distance, score): "
        f"{', '.join(f'({d:.4f}, {s:g})' for d, s in zip(entry.distances, entry.scores, strict=True))}"
    )

    sets: list[tuple[str, list[Pair], float | None]] = [
        ("lfw_devtest (LFW View 1 DevTest)", lfw_pairs(), None),
        ("London neutral vs smiling (ID-style)", london_pairs(), LONDON_GENUINE_TARGET),
    ]
    paths = image_paths([pair for _, pairs, _ in sets for pair in pairs])
    embeddings = embed_images(paths, model_name=args.model, out=args.out, fresh=args.fresh)
    if embeddings.model.version != entry.model_version:
        print(
            f"  WARNING: the embedder is '{embeddings.model.version}' but the calibration was fitted for "
            f"'{entry.model_version}': rerun benchmarks/calibrate_similarity.py --model {args.model}"
        )

    met: list[tuple[str, bool]] = []
    for name, pairs, genuine_target in sets:
        same = np.array([pair.same for pair in pairs])
        scores = scores_of(pair_distances(pairs, embeddings), calibration, args.model)
        met += report(
            name,
            band_figures(scores[same], calibration),
            band_figures(scores[~same], calibration),
            embeddings.not_found(image_paths(pairs)),
            len(image_paths(pairs)),
            genuine_target,
        )

    print(f"\ntargets met: {sum(ok for _, ok in met)} of {len(met)}")
    for target, ok in met:
        print(f"  {'PASS' if ok else 'FAIL'}  {target}")
    print(f"\ntiming: {timing_line(embeddings, len(paths))}")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
    sys.exit(0)
