"""Registry submission speed: collected students sent in packages of 50, against one request per photo.

    .venv/bin/python benchmarks/submission_speed.py [--students 1000] [--delay-ms 20] [--database-url URL]

Two batches of `--students` students are built collected (a roster, then for each student an attempt
whose spec image is a 480 x 640 JPEG of a London portrait from `../shared/datasets`, about 34 KB, passed
and approved) on a contract without comparison. The registry simulator is served from a background
thread of this process, each answer delayed `--delay-ms` (a registry across a network; 0 for none).

Timed in this process, one after the other:

1. queue batch 1: submission rows with their idempotency keys, records moved to 上网中;
2. send batch 1 in packages of 50 (the default): the package rules (GX), the HTTP round trips, the
   answers applied and the records moved to 上网成功;
3. the same for batch 2 in packages of 1, the baseline: what a client sending photo by photo does;
4. a rerun on batch 1 (queue, then send what is due): nothing is queued or sent again.

Prints seconds, photos/s and requests of each, the baseline/packages ratio, and the simulator's counts
(every student registered once).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere

from benchmarks.similarity_speed import new_institution_batch, reviewed_photo
from benchmarks.workdir import temporary_workdir

ACTOR = "bench"


def spec_jpeg(datasets: Path, target: Path) -> Path:
    """A spec-sized JPEG (480 x 640, quality 80: inside the 20-40 KB band) of the first London portrait."""
    portrait = sorted((datasets / "id_portraits" / "london_neutral_front").glob("*.jpg"))[0]
    image = cv2.resize(cv2.imread(str(portrait)), (480, 640))
    cv2.imwrite(str(target), image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return target


def collected_batch(engine, settings, workdir: Path, count: int, photo: Path, seed: int) -> int:
    """A batch of `count` collected students (the contract has no comparison); returns its id."""
    from sqlmodel import select

    from photoflow.manual_review.decisions import approve
    from schemas.db import session_scope
    from schemas.records import StudentRecord

    _, _, report = new_institution_batch(engine, settings, workdir, count, seed)
    with session_scope(engine) as session:
        batch = select(StudentRecord).where(StudentRecord.batch_id == report.batch_id)
        for record in session.exec(batch).all():
            reviewed_photo(session, settings.data_dir, record, photo)
    approved, skipped = approve(engine, report.batch_id, actor=ACTOR, everyone=True)
    assert approved == count and not skipped, (approved, skipped)
    return report.batch_id


def send(engine, settings, client, batch_id: int) -> float:
    """Queue the batch's collected records and send every due submission; returns the seconds taken."""
    from photoflow.registry.queueing import queue_collected
    from photoflow.registry.sending import due_submissions, send_submissions

    started = time.perf_counter()
    queue_collected(engine, settings, batch_id, actor=ACTOR)
    send_submissions(engine, settings, client, due_submissions(engine, batch_id=batch_id), actor=ACTOR)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=20.0, help="the simulator's delay per answer")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    workdir = temporary_workdir(args.database_url)
    from sqlmodel import select

    from photoflow.database import get_engine
    from photoflow.registry.client import RegistryClient
    from photoflow.registry.queueing import queue_collected
    from photoflow.sandbox.background_server import serving
    from photoflow.sandbox.registry_simulator import Faults, RegistrySimulator
    from photoflow.settings import get_settings
    from schemas.db import session_scope
    from schemas.records import StudentRecord

    settings = get_settings()
    engine = get_engine(settings.db_url)
    photo = spec_jpeg(settings.datasets_dir, workdir / "spec.jpg")
    started = time.perf_counter()
    first = collected_batch(engine, settings, workdir, args.students, photo, seed=41)
    second = collected_batch(engine, settings, workdir, args.students, photo, seed=42)
    database = engine.url.render_as_string(hide_password=True)
    print(
        f"set-up: 2 batches of {args.students} collected students, {time.perf_counter() - started:.1f} s; "
        f"spec JPEG {photo.stat().st_size / 1024:.1f} KB; database {database}; "
        f"simulator delay {args.delay_ms:g} ms per answer"
    )

    sim = RegistrySimulator("bench-token", Faults(delay_s=args.delay_ms / 1000))
    with serving(sim.app, name="registry-sim") as url, RegistryClient(url, "bench-token") as client:
        started = time.perf_counter()
        queued = queue_collected(engine, settings, first, actor=ACTOR).queued
        queue_s = time.perf_counter() - started
        requests = sim.stats()["requests"]
        packages_s = send(engine, settings, client, first)
        package_requests = sim.stats()["requests"] - requests
        requests = sim.stats()["requests"]
        one_per_request = settings.model_copy(update={"registry_package_size": 1})
        single_s = send(engine, one_per_request, client, second)
        single_requests = sim.stats()["requests"] - requests
        requests = sim.stats()["requests"]
        rerun_s = send(engine, settings, client, first)
        rerun_requests = sim.stats()["requests"] - requests
    stats = sim.stats()
    with session_scope(engine) as session:
        statuses = Counter(str(status) for status in session.exec(select(StudentRecord.status)).all())

    n = args.students
    print(row("1. queue batch 1", queued, queue_s, "records"))
    print(row("2. send, packages of 50", n, packages_s, "photos") + f"  {package_requests} requests")
    print(row("3. queue + send, 1 per request", n, single_s, "photos") + f"  {single_requests} requests")
    print(f"4. rerun on batch 1: {rerun_requests} requests, {rerun_s:.2f} s")
    print(f"ratio 3 / (1 + 2): {single_s / (queue_s + packages_s):.1f}x")
    once = set(stats["registrations_by_key"].values()) == {1}
    print(f"simulator: {stats['registered']} registered, {stats['duplicates']} duplicates, each once: {once}")
    print(f"records: {dict(statuses)}")


def row(label: str, count: int, seconds: float, unit: str) -> str:
    return f"{label:32s} {count:6d} {unit}  {seconds:6.2f} s  {count / seconds:8.0f} {unit}/s"


if __name__ == "__main__":
    main()
