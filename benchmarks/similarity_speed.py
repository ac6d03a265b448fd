"""Stage 3 speed: comparisons of 500 students against a naive loop of `DeepFace.verify` per pair.

    .venv/bin/python benchmarks/similarity_speed.py [--students 500] [--naive-pairs 20] [--workers N]
        [--database-url URL]

Two batches of `--students` students are built without running stage 1 (a roster, then for each
student an attempt whose spec image is a real photo, passed by stage 1 and approved by a reviewer), on a
contract with both comparisons (ID registry, then enrollment) and interception on. Registry photos come
from a folder registry, enrollment photos are kept as the enrollment upload keeps them. Photos are read
by path from `../shared/datasets` (copies go to a temporary data folder only): the 102 London
neutral/smiling pairs, then LFW people with 2 or more images (student photo = image 1, registry photo =
image 2, enrollment photo = image 3 or image 2), then further image sets of LFW people with 5+ images,
then the sets again from the start when more students are asked for.

Timed in this process, one after the other:

1. the stage on batch 1, cold: registry lookups, an embedding per distinct image in the worker
   processes (started and their models loaded beforehand, timed apart), comparisons, moves;
2. the scoring path alone on the stored embeddings: every scored pair of batch 1 loaded and scored;
3. the stage on batch 2, the same photos for other students: every embedding is stored, so this is the
   stage "with stored embeddings", database reads and writes and state moves included;
4. `DeepFace.verify(model_name="Dlib", detector_backend="opencv")` on `--naive-pairs` of batch 1's
   pairs, spread over the batch (the first call, which loads the model, is timed apart).

Prints pairs, seconds, pairs/s and ms per pair of each, the naive/stage ratio for 1 and 3 against the
10x target, where the records ended, and the peak RSS of this process and of the largest worker.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere

from benchmarks.workdir import temporary_workdir

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")  # keep TensorFlow out of deepface

from photoflow.similarity.embedding_store import EmbedJob, embed_job

TARGET = 10.0  # the naive loop's ms per pair over the stage's
ACTOR = "bench"
PHOTOS_PER_SET = 3  # student photo, registry photo, enrollment photo


@dataclass(frozen=True)
class Student:
    """One student's photos by path: the graduation photo, the registry's photo, the enrollment photo."""

    person: str
    photo: Path
    registry: Path
    enrollment: Path


@dataclass
class Timed:
    pairs: int
    seconds: float

    @property
    def ms_per_pair(self) -> float:
        return 1000 * self.seconds / max(self.pairs, 1)

    @property
    def per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds else float("inf")


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


@cache
def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def photo_sets(datasets: Path) -> tuple[list[Student], list[Student]]:
    """Every person's first photo set (London, then LFW), and further sets of LFW people with 5+ images."""
    first: list[Student] = []
    more: list[Student] = []
    for neutral in sorted((datasets / "id_portraits" / "london_neutral_front").glob("*_03.jpg")):
        number = neutral.name.split("_")[0]
        smiling = datasets / "id_defects" / "london_smiling_front" / f"{number}_08.jpg"
        if smiling.is_file():
            first.append(Student(f"london {number}", neutral, smiling, smiling))
    for folder in sorted((datasets / "lfw_devtest" / "deepfunneled_250").iterdir()):
        images = sorted(folder.glob("*.jpg"))
        sets = [images[start : start + PHOTOS_PER_SET] for start in range(0, len(images), PHOTOS_PER_SET)]
        for index, chosen in enumerate(s for s in sets if len(s) >= 2):
            student = Student(folder.name, chosen[0], chosen[1], chosen[-1])
            (more if index else first).append(student)
    return first, more


def pick_students(datasets: Path, count: int) -> tuple[list[Student], str]:
    """`count` students, distinct images first; returns them and a line saying how they were made."""
    first, more = photo_sets(datasets)
    distinct = first + more
    students = [distinct[index % len(distinct)] for index in range(count)]
    people = {student.person for student in students}
    london = sum(person.startswith("london") for person in people)
    images = {path for student in students for path in (student.photo, student.registry, student.enrollment)}
    line = (
        f"{count} students: {len(people)} people ({london} London ID-style, {len(people) - london} LFW), "
        f"{len(images)} distinct images"
    )
    second_sets = max(0, min(count, len(distinct)) - len(first))
    if second_sets:
        line += f"; {second_sets} students are another image set of an LFW person already used"
    if count > len(distinct):
        line += (
            f"; only {len(distinct)} distinct image sets, so {count - len(distinct)} students reuse "
            f"another student's images (their embeddings are shared: the cold stage embeds fewer images)"
        )
    return students, line


def free_institution_code(engine) -> str:
    from sqlmodel import select

    from schemas.db import session_scope
    from schemas.institutions import Institution

    with session_scope(engine) as session:
        taken = set(session.exec(select(Institution.code)).all())
    rng = random.Random()
    while (code := f"{rng.randrange(90000, 100000)}") in taken:
        pass
    return code


def new_institution_batch(
    engine, settings, workdir: Path, count: int, seed: int, *, services: frozenset[str] = frozenset()
):
    """A new institution (a code no earlier run took) under contract, interception on where it has
    comparisons, and a generated roster of `count` students ingested; returns its code, rows and report."""
    from photoflow.sandbox.seeding import ingest_sample_roster, sample_contract

    institution = free_institution_code(engine)
    name = f"基准大学{institution}"
    sample_contract(engine, institution, name, services=services, interception=bool(services))
    rows, report = ingest_sample_roster(
        engine, settings, workdir, institution, name, count, seed=seed, author=ACTOR
    )
    assert report.succeeded == count, report
    return institution, rows, report


def build_batch(engine, settings, workdir: Path, students: list[Student], seed: int):
    """A batch of `students` waiting in comparison; returns its id, its settings, record id -> student."""
    from sqlmodel import select

    from photoflow import idnumber
    from photoflow.manual_review.decisions import approve
    from photoflow.similarity.references import keep_reference
    from schemas.db import session_scope
    from schemas.records import StudentRecord
    from schemas.similarity import ComparisonKind

    services = frozenset({"id", "enrollment"})
    institution, rows, report = new_institution_batch(
        engine, settings, workdir, len(students), seed, services=services
    )
    registry = workdir / f"registry-{institution}"
    registry.mkdir()
    for row, student in zip(rows, students, strict=True):
        shutil.copyfile(student.registry, registry / f"{row['id_number']}.jpg")
    by_number = {
        idnumber.normalise(row["id_number"]): student for row, student in zip(rows, students, strict=True)
    }
    by_record: dict[int, Student] = {}
    with session_scope(engine) as session:
        records = session.exec(
            select(StudentRecord).where(StudentRecord.batch_id == report.batch_id).order_by(StudentRecord.id)
        ).all()
        for record in records:
            student = by_record[record.id] = by_number[record.id_number]
            reviewed_photo(session, settings.data_dir, record, student.photo)
            keep_reference(
                session,
                settings.data_dir,
                record_id=record.id,
                kind=ComparisonKind.ENROLLMENT,
                data=student.enrollment.read_bytes(),
                source="benchmark enrollment zip",
                actor=ACTOR,
            )
    approved, skipped = approve(engine, report.batch_id, actor=ACTOR, everyone=True)
    assert approved == len(students) and not skipped, (approved, skipped)
    return report.batch_id, settings.model_copy(update={"id_registry": str(registry)}), by_record


def reviewed_photo(session, data_dir: Path, record, photo: Path) -> None:
    """What intake and stage 1 leave for a passing photo: attempt 1, its spec image, its verdict, its
    place in the manual queue."""
    from photoflow.manual_review.queue import enqueue
    from photoflow.sandbox.seeding import passed_attempt

    attempt = passed_attempt(
        session,
        data_dir,
        record,
        spec=photo.read_bytes(),
        file_name=photo.name,
        sha256=sha_of(photo),
        size_bytes=photo.stat().st_size,
        actor=ACTOR,
        reason="benchmark set-up",
    )
    enqueue(session, record, attempt.id)


def _warm_worker(job: EmbedJob) -> int:
    embed_job(job)
    return os.getpid()


def start_workers(settings, photo: Path) -> int:
    """Start the stage's worker processes and load the face model in each; returns how many loaded it."""
    from photoflow.similarity.embedding import face_model, prepare_deepface_home
    from photoflow.workers import process_pool

    # linked here first: workers linking the weights into a fresh home at once race (FileExistsError)
    prepare_deepface_home(settings.deepface_dir)
    job = EmbedJob(sha_of(photo), photo, face_model(settings.face_model).name, str(settings.deepface_dir))
    if settings.photo_workers <= 1:
        _warm_worker(job)
        return 1
    pool = process_pool(settings.photo_workers)
    return len(set(pool.map(_warm_worker, [job] * settings.photo_workers, chunksize=1)))


def stop_workers(settings) -> None:
    """Shut the pool down, so the workers are reaped and their peak RSS shows in RUSAGE_CHILDREN."""
    from photoflow.workers import process_pool

    if settings.photo_workers > 1:
        process_pool(settings.photo_workers).shutdown(wait=True)
        process_pool.cache_clear()


def run_stage(engine, settings, batch_id: int) -> float:
    from photoflow.similarity.stage import compare_records, comparing_records

    started = time.perf_counter()
    compare_records(engine, settings, comparing_records(engine, batch_id), actor=ACTOR)
    return time.perf_counter() - started


def batch_comparisons(engine, batch_id: int) -> list:
    from sqlmodel import select

    from schemas.db import session_scope
    from schemas.records import StudentRecord
    from schemas.similarity import Comparison

    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Comparison)
                .join(StudentRecord, StudentRecord.id == Comparison.record_id)
                .where(StudentRecord.batch_id == batch_id)
                .order_by(Comparison.id)
            ).all()
        )


def scored_of(comparisons: list) -> list:
    from schemas.similarity import ComparisonOutcome

    return [c for c in comparisons if c.outcome == ComparisonOutcome.SCORED]


def statuses(engine, batch_id: int) -> Counter[str]:
    from sqlmodel import func, select

    from schemas.db import session_scope
    from schemas.records import StudentRecord

    with session_scope(engine) as session:
        rows = session.exec(
            select(StudentRecord.status, func.count())
            .where(StudentRecord.batch_id == batch_id)
            .group_by(StudentRecord.status)
        ).all()
    return Counter({status.value: number for status, number in rows})


def stored_count(engine, settings, hashes: set[str]) -> int:
    from photoflow.similarity.embedding import face_model
    from photoflow.similarity.embedding_store import stored_vectors
    from schemas.db import session_scope

    with session_scope(engine) as session:
        return len(stored_vectors(session, hashes, face_model(settings.face_model)))


def score_stored(engine, settings, pairs: list[tuple[str, str]]) -> Timed:
    """What the stage does per pair once embeddings are stored: load the vectors, score every pair."""
    from photoflow.similarity.embedding import face_model
    from photoflow.similarity.embedding_store import stored_vectors
    from photoflow.similarity.scoring import load_calibration
    from photoflow.similarity.vectors import score_pair
    from schemas.db import session_scope

    started = time.perf_counter()
    calibration, model = load_calibration(), face_model(settings.face_model)
    with session_scope(engine) as session:
        vectors = stored_vectors(session, {sha for pair in pairs for sha in pair}, model)
    scored = 0
    for photo, reference in pairs:
        a, b = vectors.get(photo), vectors.get(reference)
        if a is not None and b is not None:
            score_pair(a, b, model.name, calibration)
            scored += 1
    return Timed(scored, time.perf_counter() - started)


def naive_verify(settings, pairs: list[tuple[Path, Path]]) -> tuple[float, Timed, list[bool | None]]:
    """`DeepFace.verify` per pair, as a script without stored embeddings would; None: no face found."""
    from photoflow.similarity.embedding import prepare_deepface_home

    prepare_deepface_home(settings.deepface_dir)  # the shipped weights linked: nothing is downloaded

    def verify(a: Path, b: Path) -> bool | None:
        from deepface import DeepFace

        try:
            found = DeepFace.verify(
                img1_path=str(a), img2_path=str(b), model_name="Dlib", detector_backend="opencv"
            )
        except ValueError:  # deepface's "Face could not be detected" (enforce_detection is on)
            return None
        return bool(found["verified"])

    started = time.perf_counter()
    verify(*pairs[0])  # imports deepface and loads the model
    first = time.perf_counter() - started
    started = time.perf_counter()
    verdicts = [verify(a, b) for a, b in pairs]
    return first, Timed(len(pairs), time.perf_counter() - started), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--naive-pairs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: PHOTOFLOW_PHOTO_WORKERS or cores")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    workdir = temporary_workdir(args.database_url)
    from photoflow.database import get_engine
    from photoflow.settings import get_settings
    from schemas.similarity import ComparisonKind, SimilarityBand

    settings = get_settings()
    if args.workers is not None:
        settings = settings.model_copy(update={"photo_workers": args.workers})
    engine = get_engine(settings.db_url)
    students, made_of = pick_students(settings.datasets_dir, args.students)
    print(made_of)
    print(
        f"contract: ID registry + enrollment comparisons, interception on; {os.cpu_count()} cores, "
        f"{settings.photo_workers} workers, load average {os.getloadavg()[0]:.1f}; "
        f"database {engine.url.render_as_string(hide_password=True)}; data in {workdir}"
    )

    started = time.perf_counter()
    first_batch, first_settings, first_students = build_batch(engine, settings, workdir, students, seed=31)
    second_batch, second_settings, _ = build_batch(engine, settings, workdir, students, seed=32)
    set_up_s = time.perf_counter() - started
    print(f"set-up: 2 batches of {len(students)} students in comparison, {set_up_s:.1f} s")
    images = {sha_of(path) for s in students for path in (s.photo, s.registry, s.enrollment)}
    already = stored_count(engine, settings, images)

    started = time.perf_counter()
    loaded = start_workers(first_settings, students[0].photo)
    start_s = time.perf_counter() - started
    cold_s = run_stage(engine, first_settings, first_batch)
    embedded = stored_count(engine, settings, images) - already
    first_comparisons = batch_comparisons(engine, first_batch)
    first_scored = scored_of(first_comparisons)
    cold = Timed(len(first_scored), cold_s)
    cold_with_start = Timed(len(first_scored), cold_s + start_s)
    scoring = score_stored(
        engine,
        settings,
        [(sha_of(first_students[c.record_id].photo), c.reference_sha256) for c in first_scored],
    )
    warm_s = run_stage(engine, second_settings, second_batch)
    second_comparisons = batch_comparisons(engine, second_batch)
    warm = Timed(len(scored_of(second_comparisons)), warm_s)
    stop_workers(settings)
    stage_rss = peak_rss_mb(resource.RUSAGE_SELF)

    step = len(first_scored) / max(1, min(args.naive_pairs, len(first_scored)))
    sample = [first_scored[int(index * step)] for index in range(min(args.naive_pairs, len(first_scored)))]

    def reference_of(comparison) -> Path:
        student = first_students[comparison.record_id]
        return student.registry if comparison.kind == ComparisonKind.ID_REGISTRY else student.enrollment

    naive_pairs = [(first_students[c.record_id].photo, reference_of(c)) for c in sample]
    first_call_s, naive, verdicts = naive_verify(settings, naive_pairs)

    print(f"\n{'':36}{'pairs':>7}{'s':>9}{'pairs/s':>10}{'ms/pair':>10}")
    rows = [
        ("(1) stage, cold", cold),
        ("    incl. starting the workers", cold_with_start),
        ("(2) scoring on stored embeddings", scoring),
        ("(3) stage, stored embeddings", warm),
        ("(4) naive DeepFace.verify loop", naive),
    ]
    for label, timed in rows:
        print(
            f"  {label:34}{timed.pairs:7d}{timed.seconds:9.2f}{timed.per_second:10.1f}"
            f"{timed.ms_per_pair:10.2f}"
        )
    print(
        f"\n(1) embedded {embedded} of {len(images)} distinct images"
        + (f" ({already} were already stored in this database)" if already else "")
        + f"; starting {settings.photo_workers} workers and loading the model in {loaded}: {start_s:.1f} s"
    )
    others = len(first_comparisons) - len(first_scored), len(second_comparisons) - warm.pairs
    print(
        f"stored comparisons: batch 1 {len(first_comparisons)}, batch 2 {len(second_comparisons)} "
        f"(not scored, e.g. no face found: {others[0]} and {others[1]}); pairs above = scored comparisons"
    )
    print(f"(4) first call (imports deepface, loads the model) {first_call_s:.1f} s, not in the figures")
    for label, stage in (("(1) cold stage", cold), ("(3) stage with stored embeddings", warm)):
        ratio = naive.ms_per_pair / stage.ms_per_pair
        verdict = "PASS" if ratio >= TARGET else "FAIL"
        print(f"naive ms/pair / {label} ms/pair: {ratio:.1f}x  {verdict} (target >= {TARGET:.0f}x)")
    agree = sum(
        verdict is not None and verdict == (c.band == SimilarityBand.SAME)
        for verdict, c in zip(verdicts, sample, strict=True)
    )
    no_face = sum(verdict is None for verdict in verdicts)
    print(
        f"naive verify agrees with the stage's 'same person' band on {agree} of {len(sample)} sampled pairs"
        f" ({no_face} raised 'no face detected')"
    )
    for label, batch_id in (("batch 1", first_batch), ("batch 2", second_batch)):
        counted = statuses(engine, batch_id)
        print(f"records {label}: " + ", ".join(f"{status} {n}" for status, n in sorted(counted.items())))
    print(
        f"peak RSS: this process {stage_rss:.0f} MB after the stage runs, "
        f"{peak_rss_mb(resource.RUSAGE_SELF):.0f} MB after the naive loop (deepface loaded here); "
        f"largest worker {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB (separate processes)"
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other work on this machine slows every figure)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
