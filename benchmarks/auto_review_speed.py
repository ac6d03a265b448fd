"""Stage 1 speed: intake + standardise + review of 500 real portraits, one process and all cores.

    .venv/bin/python benchmarks/auto_review_speed.py [--photos 500] [--workers N]

The 122 id_portraits are cycled to `--photos` files named by generated ID numbers. The same batch work
runs twice in this process, each on a fresh SQLite batch: first with one worker (the baseline), then
with `--workers` processes (default: every core). Prints photos/s for each and their ratio, the time
of every step of one photo (measured on the first 100 in this process), and the peak RSS of this
process and of its worker processes.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def portraits() -> list[Path]:
    with (DATASETS / "id_portraits" / "images.csv").open(encoding="utf-8") as handle:
        return [DATASETS / "id_portraits" / row["relative_path"] for row in csv.DictReader(handle)]


def run_batch(workdir: Path, photos: list[Path], workers: int, institution: str) -> dict[str, float]:
    """Roster, intake and stage 1 of one batch; returns seconds per phase."""
    from photoflow.database import get_engine
    from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
    from photoflow.quality.stage import pending_attempts, review_attempts, warm_up
    from photoflow.sandbox.seeding import ingest_sample_roster, sample_contract
    from photoflow.settings import get_settings

    settings = get_settings().model_copy(update={"photo_workers": workers})
    engine = get_engine(settings.db_url)
    name = f"基准大学{institution}"
    sample_contract(engine, institution, name)
    seed = int(institution)
    rows, report = ingest_sample_roster(
        engine, settings, workdir, institution, name, len(photos), seed=seed, author="bench"
    )
    folder = workdir / f"photos-{institution}"
    folder.mkdir()
    for row, photo in zip(rows, photos, strict=True):
        shutil.copyfile(photo, folder / f"{row['id_number']}.jpg")

    warming = time.perf_counter()
    warm_up(workers)  # a flow's worker processes start once and then serve every chunk
    started = time.perf_counter()
    listing = list_upload(settings, folder)
    intake = receive_photos(
        engine,
        settings,
        batch_id=report.batch_id,
        listing=listing,
        source_name=folder.name,
        author=IntakeAuthor("bench"),
    )
    received = time.perf_counter()
    reviewed = review_attempts(engine, settings, pending_attempts(engine, report.batch_id), actor="bench")
    done = time.perf_counter()
    assert intake.accepted == len(photos) and len(reviewed) == len(photos), (intake.accepted, len(reviewed))
    passed = sum(item.passed for item in reviewed)
    return {
        "start workers": started - warming,
        "intake": received - started,
        "review": done - received,
        "total": done - started,
        "passed": passed,
    }


def step_times(photos: list[Path]) -> dict[str, float]:
    """Milliseconds per step of `check_photo`, called step by step on the same functions."""
    from data_contracts.photo_spec import load_photo_spec
    from photoflow.face.analyzer import FaceAnalysis, get_analyzer
    from photoflow.photos.decode import decode_photo
    from photoflow.quality.overlay import draw_overlay
    from photoflow.quality.review import check_photo, spec_measures
    from photoflow.quality.standardise import standardise

    spec, analyzer = load_photo_spec(), get_analyzer()
    colour = spec.background_rgb()
    totals: dict[str, float] = {}

    @contextmanager
    def timed(step: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        totals[step] = totals.get(step, 0.0) + time.perf_counter() - started

    limits = {"max_bytes": 10**8, "max_pixels": 10**8, "formats": spec.intake.accepted_formats}
    for photo in photos:
        with timed("read file"):
            data = photo.read_bytes()
        with timed("decode"):
            decoded = decode_photo(data, name=photo.name, **limits)
        with timed("analyse original"):
            source = analyzer.analyse(decoded.rgb)
        with timed("standardise + encode"):
            made, _ = standardise(decoded.rgb, source, spec, colour)
        if made is None:
            continue
        with timed("face mesh of spec image"):
            mesh = analyzer.analyse(made.rgb, whole_picture=False)
        analysis = FaceAnalysis(source.faces, mesh.landmarks, made.mask)
        with timed("measures"):
            spec_measures(made.rgb, analysis, made.jpeg, colour, spec)
    rejected = check_photo(photos[0].read_bytes(), name="x", analyzer=analyzer, spec=spec)
    for _ in photos:
        with timed("overlay (rejected only)"):
            draw_overlay(rejected, spec)
    return {step: 1000 * seconds / len(photos) for step, seconds in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="photoflow-bench-"))
    os.environ["PHOTOFLOW_DATA_DIR"] = str(workdir / "data")
    os.environ.pop("DATABASE_URL", None)
    sources = portraits()
    photos = [sources[i % len(sources)] for i in range(args.photos)]
    print(
        f"{args.photos} photos (the {len(sources)} id_portraits cycled), {os.cpu_count()} cores, "
        f"data in {workdir}"
    )

    steps = step_times(photos[:100])
    print("\nms per photo, step by step (first 100, one process):")
    for step, ms in steps.items():
        print(f"  {step:26} {ms:7.1f}")

    one = run_batch(workdir, photos, 1, "20001")
    many = run_batch(workdir, photos, args.workers, "20002")
    print(f"\n{'':28}{'1 worker':>12}{f'{args.workers} workers':>12}")
    for phase in ("start workers", "intake", "review", "total"):
        print(f"  {phase + ' s':26}{one[phase]:12.1f}{many[phase]:12.1f}")
    rate_one, rate_many = args.photos / one["total"], args.photos / many["total"]
    print(f"  {'photos/s (intake+review)':26}{rate_one:12.1f}{rate_many:12.1f}")
    started = (
        args.photos / (one["total"] + one["start workers"]),
        args.photos / (many["total"] + many["start workers"]),
    )
    print(f"  {'photos/s incl. start':26}{started[0]:12.1f}{started[1]:12.1f}")
    print(f"  {'passed':26}{one['passed']:12.0f}{many['passed']:12.0f}")
    print(f"\n{args.workers} workers vs 1: {rate_many / rate_one:.2f}x")
    print(
        f"peak RSS: this process {peak_rss_mb(resource.RUSAGE_SELF):.0f} MB, "
        f"largest worker {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
