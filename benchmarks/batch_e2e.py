"""End to end: one batch of 1,000 students through the whole DAG, wall time per stage and Prefect's share.

    .venv/bin/python benchmarks/batch_e2e.py [--students 1000] [--database-url URL]

The demo's recipe at scale: a roster of `--students`, a photo of each (the 102 London neutral portraits
cycled, each copy cropped by a few random pixels and re-encoded so no two files are alike), the ID
registry's photo and the enrollment photo of each (the same person smiling, 480 and 300 px, likewise
made unique), interception on, the registry simulator answering at once. Then, in this process:

1. the batch flow with the roster and the photo folder (ingestion, intake, stage 1; printing waits);
2. the manual queue decided (ops approve the whole queue; people's work, not Prefect's);
3. the batch flow again (stage 3, submission, the print order if nothing is held);
4. the held records released by the admin ("submit anyway"), and the batch flow a third time.

Per stage it prints the wall time of its flow runs and the time spent inside their task runs, both
read back from Prefect's run history. Prefect overhead is what the batch runs' wall time (timed here)
spends outside any task run: flow and task orchestration, state changes, API calls and the little
work flow bodies do themselves, so it is an upper bound. The Prefect server's start is timed apart
(once per process; a deployment's worker talks to a running server).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DO_NOT_TRACK", "1")

from benchmarks.workdir import temporary_workdir

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
INSTITUTION, NAME = "10001", "示范大学 Benchmark University"
PRINT = {"print_layout": "one_inch", "print_address": "示范大学教务处"}
STAGES = {  # flow name -> stage, in DAG order
    "roster-upload": "roster ingestion",
    "photo-intake": "photo intake",
    "auto-review": "stage 1 auto review",
    "screening": "screening (tamper checks, early comparisons)",
    "similarity": "stage 3 similarity",
    "submission": "registry submission",
    "print-order": "print packaging",
    "notifications": "notices",
}


def unique_copy(source: Path, target: Path, rng: random.Random, *, side: int | None = None) -> None:
    """`source` cropped by 0-6 random pixels a side (at most `side` px long), so every file differs."""
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB")
        w, h = image.size
        image = image.crop(
            (rng.randint(0, 6), rng.randint(0, 6), w - rng.randint(0, 6), h - rng.randint(0, 6))
        )
        if side:
            image.thumbnail((side, side))
        image.save(target, quality=rng.randint(88, 94))


def build_inputs(workdir: Path, rows: list[dict[str, str]]) -> tuple[Path, Path, Path]:
    """The photo folder, the registry's photo folder and the enrollment zip."""
    neutral = sorted((DATASETS / "id_portraits" / "london_neutral_front").glob("*.jpg"))
    smiling = DATASETS / "id_defects" / "london_smiling_front"
    pairs = [(photo, smiling / f"{photo.stem[:3]}_08.jpg") for photo in neutral]
    pairs = [(photo, other) for photo, other in pairs if other.exists()]
    rng = random.Random(7)
    folders = [workdir / name for name in ("photos", "id-registry", "enrollment")]
    for folder in folders:
        folder.mkdir()
    photos, registry, enrollment = folders
    for index, row in enumerate(rows):
        photo, other = pairs[index % len(pairs)]
        unique_copy(photo, photos / f"{row['id_number']}.jpg", rng)
        unique_copy(other, registry / f"{row['id_number']}.jpg", rng, side=480)
        unique_copy(other, enrollment / f"{row['id_number']}.jpg", rng, side=300)
    return photos, registry, Path(shutil.make_archive(str(enrollment), "zip", enrollment))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: SQLite)")
    args = parser.parse_args()
    workdir = temporary_workdir(args.database_url)
    os.environ["PREFECT_HOME"] = str(workdir / "prefect")  # a fresh run history: only this benchmark's runs
    from photoflow.settings import configure_prefect, get_settings

    configure_prefect(get_settings())
    try:
        run(workdir, args.students)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, students: int) -> None:
    from prefect import flow
    from pydantic import SecretStr

    from flows.batch import batch_flow
    from photoflow.database import default_engine
    from photoflow.manual_review.decisions import approve
    from photoflow.sandbox.background_server import serving
    from photoflow.sandbox.id_registry_simulator import start_simulator
    from photoflow.sandbox.registry_simulator import RegistrySimulator
    from photoflow.sandbox.seeding import sample_contract, sample_roster_file
    from photoflow.settings import get_settings
    from photoflow.similarity.enrollment import upload_enrollment_photos
    from photoflow.similarity.held import HeldFilter, HoldDecision, decide_held
    from photoflow.stage_summary import stage_summary

    settings, engine = get_settings(), default_engine()
    started = time.perf_counter()
    rows, roster = sample_roster_file(workdir, INSTITUTION, NAME, students, seed=7)
    photos, registry_photos, enrollment = build_inputs(workdir, rows)
    sample_contract(engine, INSTITUTION, NAME, services=frozenset({"id", "enrollment"}), interception=True)
    built = time.perf_counter() - started
    print(
        f"inputs: {students} students, {3 * students} images built in {built:.1f} s (not timed below); "
        f"{settings.photo_workers} photo workers, database {engine.dialect.name}"
    )

    started = time.perf_counter()
    flow(name="warm-up")(lambda: None)()
    print(f"Prefect server start (once per process): {time.perf_counter() - started:.1f} s\n")

    outside: dict[str, float] = {}
    runs: list[float] = []
    token = secrets.token_urlsafe(16)
    registry = RegistrySimulator(token)
    with start_simulator(registry_photos) as id_registry, serving(registry.app, name="registry-sim") as url:
        settings.id_registry = id_registry.url
        settings.registry_url, settings.registry_token = url, SecretStr(token)
        settings.registry_poll_s = 0.1
        files = {"rosters": [str(roster)], "photos": [str(photos)]}
        runs.append(timed(lambda: batch_flow(INSTITUTION, "regular", actor="bench", **files, **PRINT)))
        first = batch_id_of(engine)
        outside["enrollment upload (admin)"] = timed(
            lambda: upload_enrollment_photos(
                engine, settings, batch_id=first, source=enrollment, actor="bench"
            )
        )
        outside["manual queue decided (ops approve all)"] = timed(
            lambda: approve(engine, first, actor="bench", everyone=True)
        )
        runs.append(timed(lambda: batch_flow(INSTITUTION, "regular", actor="bench", **PRINT)))
        outside["held records released (admin)"] = timed(
            lambda: decide_held(
                engine,
                HoldDecision.SUBMIT_ANYWAY,
                actor="bench",
                wanted=HeldFilter(batch_id=first),
                note="benchmark",
            )
        )
        runs.append(timed(lambda: batch_flow(INSTITUTION, "regular", actor="bench", **PRINT)))
        received = registry.stats()
    report(runs, outside, first, engine, received, stage_summary)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def batch_id_of(engine) -> int:
    from sqlmodel import select

    from schemas.batches import Batch
    from schemas.db import session_scope

    with session_scope(engine) as session:
        return session.exec(select(Batch.id)).one()


def stage_times() -> dict[str, tuple[int, float, float]]:
    """Per stage: flow runs, their wall time, and the time inside their task runs (Prefect's history)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        names = {f.id: f.name for f in client.read_flows()}
        flow_runs = client.read_flow_runs(limit=200)
        task_runs = client.read_task_runs(limit=200)
    stage_of = {r.id: STAGES.get(names[r.flow_id], "batch flow's own tasks") for r in flow_runs}
    found: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for r in flow_runs:
        if names[r.flow_id] in STAGES:
            found[stage_of[r.id]][0] += 1
            found[stage_of[r.id]][1] += (r.end_time - r.start_time).total_seconds()
    subflow_stand_ins = {r.parent_task_run_id for r in flow_runs}  # a parent's task run per subflow call
    for t in task_runs:
        if t.flow_run_id in stage_of and t.id not in subflow_stand_ins and t.start_time and t.end_time:
            stage = stage_of[t.flow_run_id]
            found["print packaging" if t.name.startswith("order_batch_prints") else stage][2] += (
                t.end_time - t.start_time
            ).total_seconds()
    return {
        stage: tuple(found[stage]) for stage in [*STAGES.values(), "batch flow's own tasks"] if stage in found
    }


def report(runs, outside, batch_id, engine, received, stage_summary) -> None:
    stages = stage_times()
    print(f"{'stage':<26} {'flow runs':>9} {'wall s':>8} {'in tasks s':>11}")
    for stage, (count, wall, inside) in stages.items():
        print(f"{stage:<26} {count:>9} {wall:>8.1f} {inside:>11.1f}")
    in_tasks = sum(inside for _, _, inside in stages.values())
    total = sum(runs)
    print(
        f"\nbatch runs: {', '.join(f'{r:.1f}' for r in runs)} s; total {total:.1f} s "
        f"({total / 60:.2f} min; target < 3 min)"
    )
    overhead = total - in_tasks
    print(
        f"inside task runs: {in_tasks:.1f} s; Prefect overhead (outside any task run): {overhead:.1f} s "
        f"= {overhead / total:.1%} of the batch runs (target < 5%)"
    )
    for name, seconds in outside.items():
        print(f"between runs, no Prefect: {name}: {seconds:.1f} s")
    statuses = stage_summary(engine, batch_id, None).statuses
    counts = {item.status: item.count for item in statuses if item.count}
    print(f"\nrecords per status: {counts}")
    got, distinct = received["entries_received"], received["records_received"]
    print(f"registry simulator: received {got} submissions for {distinct} distinct records")


if __name__ == "__main__":
    main()
