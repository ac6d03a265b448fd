"""Real face pairs for the similarity benchmarks, their embeddings (cached), distances and band figures.

Shared by `calibrate_similarity.py` and `evaluate_similarity.py`. Photos are read by path from
`../shared/datasets` and never copied. Embeddings are cached in `<out>/embeddings_<model>.npz`, keyed by
the image's path (relative to the datasets folder) and the embedder's model version, so a rerun embeds
only what is new and a changed model or alignment re-embeds everything. Embedding runs in worker
processes started with `spawn` (MediaPipe deadlocks in a forked child).
"""

from __future__ import annotations

import os

os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # before deepface is imported anywhere

import argparse
import csv
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photoflow.similarity.embedding import FaceEmbedder, FaceModel, get_embedder
from photoflow.similarity.scoring import Calibration
from schemas.similarity import SimilarityBand

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
LFW_FOLDER = DATASETS / "lfw_devtest"
LFW_IMAGES = LFW_FOLDER / "deepfunneled_250"
LONDON_NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front"
LONDON_SMILING = DATASETS / "id_defects" / "london_smiling_front"
DEFAULT_OUT = ROOT / "data" / "similarity"
DEFAULT_HOME = ROOT / "data" / "deepface"
WORKERS = 2
CHUNK = 16  # images per task sent to a worker


@dataclass(frozen=True)
class Pair:
    left: Path
    right: Path
    same: bool
    identities: tuple[str, str]


def lfw_pairs() -> list[Pair]:
    """The 1000 pairs of LFW View 1 DevTest (500 same person, 500 not), identity = folder name."""
    with (LFW_FOLDER / "pairs_devtest.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Pair(
            LFW_IMAGES / row["image1"],
            LFW_IMAGES / row["image2"],
            row["same_person"] == "1",
            (row["image1"].split("/")[0], row["image2"].split("/")[0]),
        )
        for row in rows
    ]


def london_pairs() -> list[Pair]:
    """Neutral NNN_03 against smiling NNN_08: 102 genuine pairs, then every i != j (10,302 impostors)."""
    neutral = {path.name[:3]: path for path in sorted(LONDON_NEUTRAL.glob("*_03.jpg"))}
    smiling = {path.name[:3]: path for path in sorted(LONDON_SMILING.glob("*_08.jpg"))}
    if not neutral or set(neutral) != set(smiling):
        raise SystemExit(f"London sets do not match: {len(neutral)} neutral, {len(smiling)} smiling photos")
    genuine = [Pair(neutral[i], smiling[i], True, (i, i)) for i in neutral]
    impostors = [Pair(neutral[i], smiling[j], False, (i, j)) for i in neutral for j in smiling if i != j]
    return genuine + impostors


def image_paths(pairs: Sequence[Pair]) -> list[Path]:
    return sorted({path for pair in pairs for path in (pair.left, pair.right)})


def decode_rgb(path: Path) -> np.ndarray:
    """RGB uint8 pixels, upright as the EXIF orientation says."""
    with Image.open(path) as opened:
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))


# ---------------------------------------------------------------- embedding, in spawn worker processes

_worker: FaceEmbedder | None = None


def _load_worker(model_name: str, home: str) -> None:
    global _worker
    _worker = get_embedder(model_name, home)


def _embed_chunk(paths: list[str]) -> list[tuple[np.ndarray | None, float]]:
    """Each image's embedding (None: no face found) and the seconds it took, decoding included."""
    assert _worker is not None, "the worker's embedder was not loaded"
    done = []
    for path in paths:
        started = time.perf_counter()
        vector = _worker.embed(decode_rgb(Path(path)))
        done.append((vector, time.perf_counter() - started))
    return done


@dataclass
class Embeddings:
    model: FaceModel
    vectors: dict[Path, np.ndarray | None]  # None: no face found
    seconds_each: dict[Path, float]  # one worker's time per image, decode + detect + embed
    embedded_now: int
    embed_wall_s: float  # wall time of this run's embedding, worker start-up included
    load_s: float  # loading the embedder in this process (for its model version)

    def not_found(self, paths: Sequence[Path]) -> list[Path]:
        return [path for path in paths if self.vectors[path] is None]


def _key(path: Path) -> str:
    try:
        return path.resolve().relative_to(DATASETS.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _read_cache(file: Path) -> dict[tuple[str, str], tuple[np.ndarray | None, float]]:
    if not file.exists():
        return {}
    with np.load(file, allow_pickle=False) as stored:
        keys, versions = stored["paths"], stored["versions"]
        vectors, found, seconds = stored["vectors"], stored["found"], stored["seconds"]
    return {
        (str(key), str(version)): (vector.astype(np.float32) if ok else None, float(spent))
        for key, version, vector, ok, spent in zip(keys, versions, vectors, found, seconds, strict=True)
    }


def _write_cache(file: Path, cache: dict[tuple[str, str], tuple[np.ndarray | None, float]]) -> None:
    dimensions = next((len(v) for v, _ in cache.values() if v is not None), 0)
    items = sorted(cache.items())
    vectors = np.zeros((len(items), dimensions), dtype=np.float32)
    for row, (_, (vector, _)) in enumerate(items):
        if vector is not None:
            vectors[row] = vector
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_suffix(".partial.npz")
    np.savez_compressed(
        partial,
        paths=np.array([key for (key, _), _ in items], dtype=str),
        versions=np.array([version for (_, version), _ in items], dtype=str),
        vectors=vectors,
        found=np.array([vector is not None for _, (vector, _) in items], dtype=bool),
        seconds=np.array([spent for _, (_, spent) in items], dtype=np.float64),
    )
    partial.replace(file)


def embedding_arguments(description: str, *, out_help: str) -> argparse.Namespace:
    """The command line of a script that embeds the pair sets: `--model`, `--out` (the embedding cache,
    and what else the script writes there) and `--fresh`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default="Dlib", help="deepface model name (default: Dlib)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=out_help)
    parser.add_argument("--fresh", action="store_true", help="re-embed every image (ignore the cache)")
    return parser.parse_args()


def embed_images(
    paths: Sequence[Path],
    *,
    model_name: str,
    out: Path = DEFAULT_OUT,
    home: Path = DEFAULT_HOME,
    workers: int = WORKERS,
    fresh: bool = False,
) -> Embeddings:
    """Embeddings of every image, from the cache where the path and model version match, else computed.

    `fresh` ignores the cache (to time the embedding) and rewrites the entries it computes.
    """
    started = time.perf_counter()
    model = get_embedder(model_name, str(home)).model  # the version keys the cache
    load_s = time.perf_counter() - started
    file = out / f"embeddings_{model_name}.npz"
    cache = _read_cache(file)
    if fresh:  # keep other models' entries; recompute this version's
        cache = {key: value for key, value in cache.items() if key[1] != model.version}
    missing = [path for path in paths if (_key(path), model.version) not in cache]
    wall = 0.0
    if missing:
        print(f"  embedding {len(missing)} images with {workers} spawn worker processes ...", flush=True)
        started = time.perf_counter()
        chunks = [[str(path) for path in missing[i : i + CHUNK]] for i in range(0, len(missing), CHUNK)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_load_worker, initargs=(model_name, str(home))
        ) as pool:
            done = 0
            for chunk, results in zip(chunks, pool.map(_embed_chunk, chunks), strict=True):
                for path, result in zip(chunk, results, strict=True):
                    cache[(_key(Path(path)), model.version)] = result
                done += len(chunk)
                if done % (CHUNK * 25) < CHUNK or done == len(missing):
                    print(f"    {done}/{len(missing)} in {time.perf_counter() - started:.0f} s", flush=True)
        wall = time.perf_counter() - started
        _write_cache(file, cache)
    vectors, seconds = {}, {}
    for path in paths:
        vectors[path], seconds[path] = cache[(_key(path), model.version)]
    return Embeddings(model, vectors, seconds, len(missing), wall, load_s)


def pair_distances(pairs: Sequence[Pair], embeddings: Embeddings) -> np.ndarray:
    """Cosine distance (1 - a.b of unit vectors) per pair; NaN where either photo has no face."""
    distances = np.full(len(pairs), np.nan)
    for row, pair in enumerate(pairs):
        left, right = embeddings.vectors[pair.left], embeddings.vectors[pair.right]
        if left is not None and right is not None:
            distances[row] = 1.0 - float(np.dot(left, right))
    return distances


def timing_line(embeddings: Embeddings, images: int) -> str:
    each = np.array([embeddings.seconds_each[path] for path in embeddings.vectors])
    line = (
        f"{images} images; one worker spends {1000 * np.median(each):.0f} ms per image (median, decode + "
        f"detect + align + embed; mean {1000 * each.mean():.0f} ms, i.e. {1 / each.mean():.1f} images/s "
        f"per core); embedder load {embeddings.load_s:.1f} s"
    )
    if embeddings.embedded_now:
        line += (
            f"; embedded now: {embeddings.embedded_now} in {embeddings.embed_wall_s:.1f} s wall = "
            f"{embeddings.embedded_now / embeddings.embed_wall_s:.1f} images/s with {WORKERS} workers "
            f"(worker start-up included)"
        )
    else:
        line += "; all from the cache this run (per-image times are those measured when embedded)"
    return line


# ---------------------------------------------------------------- figures per band


@dataclass(frozen=True)
class BandFigures:
    """Counts per band; a pair whose faces were not both found is a failure to compare, in no band."""

    pairs: int
    failed: int
    same: int  # score >= 85
    possible: int  # 50 < score < 85
    different: int  # score <= 50

    def share(self, count: int) -> float:
        return count / self.pairs if self.pairs else float("nan")

    @property
    def above_50(self) -> int:
        return self.same + self.possible

    def __add__(self, other: BandFigures) -> BandFigures:
        return BandFigures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.pairs, self.failed, self.same, self.possible, self.different)


def band_figures(scores: np.ndarray, calibration: Calibration) -> BandFigures:
    """`scores` NaN for failures to compare; every pair stays in the denominator."""
    bands = [calibration.band(float(score)) for score in scores if not np.isnan(score)]
    return BandFigures(
        pairs=len(scores),
        failed=int(np.isnan(scores).sum()),
        same=bands.count(SimilarityBand.SAME),
        possible=bands.count(SimilarityBand.POSSIBLE),
        different=bands.count(SimilarityBand.DIFFERENT),
    )


def scores_of(distances: np.ndarray, calibration: Calibration, model: str) -> np.ndarray:
    scores = np.full(len(distances), np.nan)
    ok = ~np.isnan(distances)
    scores[ok] = calibration.score(model, distances[ok])
    return scores


def percent(count: int, total: int) -> str:
    return f"{100 * count / total:.2f}% ({count}/{total})" if total else "n/a (0 pairs)"
