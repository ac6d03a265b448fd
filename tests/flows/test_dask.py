"""The photo stages on Dask (PHOTOFLOW_TASK_RUNNER=dask): chunks run in worker processes, outcomes as local.

One LocalCluster of two single-threaded worker processes serves the module, reached through
PHOTOFLOW_DASK_ADDRESS as a cluster on other machines would be; before each test its workers are given
the test's environment, as an operator starts `dask worker` with the deployment's environment. The
task stream of the scheduler shows where each chunk ran.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster, get_task_stream
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import StateType
from sqlmodel import select

from flows.auto_review import auto_review_flow
from flows.similarity import similarity_flow
from photoflow.manual_review.decisions import approve
from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
from photoflow.roster.workbook import write_roster_workbook
from photoflow.settings import Settings, get_settings
from photoflow.workers import run_jobs
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import RecordEvent, StudentRecord
from schemas.reports import AutoReviewReport
from tests.helpers import INSTITUTION, students, upload
from tests.similarity_helpers import batch_records, enrollment_photo, neutral, reviewed_photo, smiling


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as local,
        Client(local, set_as_default=False) as client,  # else the runner would find it, not the address
    ):
        yield client


@pytest.fixture
def on_dask(cluster: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """This test's settings, with the photo stages sent to the cluster in chunks of two."""
    for name, value in {
        "PHOTOFLOW_TASK_RUNNER": "dask",
        "PHOTOFLOW_DASK_ADDRESS": cluster.scheduler.address,
        "PHOTOFLOW_REVIEW_CHUNK_SIZE": "2",
        "PHOTOFLOW_SIMILARITY_CHUNK_SIZE": "2",
        "PHOTOFLOW_PHOTO_WORKERS": "2",  # a worker must still review in-process: it may not fork a pool
    }.items():
        monkeypatch.setenv(name, value)
    environment = {k: v for k, v in os.environ.items() if k.startswith("PHOTOFLOW_") or k == "DATABASE_URL"}
    cluster.run(use_environment, environment)
    get_settings.cache_clear()
    return get_settings()


def use_environment(environment: dict[str, str]) -> None:
    """Run in each worker: the settings a worker started for this deployment would read."""
    os.environ.update(environment)
    get_settings.cache_clear()


def chunk_pids(cluster: Client, stream: list[dict], task_name: str) -> list[int]:
    """The process id of the worker that ran each run of `task_name`, as the scheduler recorded it."""
    pids = cluster.run(os.getpid)
    return [pids[entry["worker"]] for entry in stream if entry["key"].startswith(f"{task_name}-")]


def task_run_states(flow_run_id: str, task_name: str) -> list[StateType]:
    """What the Prefect API was told about the flow run's runs of `task_name`."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    return [run.state.type for run in runs if run.name.startswith(f"{task_name}-")]


def assert_chunks_ran_on_workers(cluster: Client, stream, moves, task_name: str, chunks: int) -> None:
    """One flow run wrote every move, and its `chunks` runs of `task_name` ran in Dask worker processes
    (not this one) and completed, as the Prefect API was told."""
    [flow_run_id] = {event.flow_run_id for event in moves}
    assert flow_run_id
    pids = chunk_pids(cluster, stream.data, task_name)
    assert len(pids) == chunks and os.getpid() not in pids
    assert task_run_states(flow_run_id, task_name) == [StateType.COMPLETED] * chunks


def photographed(engine, settings: Settings, folder: Path, photos: list[Path]) -> list[dict[str, str]]:
    """A roster of one student per photo, each photo received and waiting for stage 1."""
    rows = students(len(photos), seed=len(photos))
    batch_id = upload(engine, settings, write_roster_workbook(folder / "roster.xlsx", rows)).batch_id
    (folder / "photos").mkdir()
    for row, photo in zip(rows, photos, strict=True):
        (folder / "photos" / f"{row['id_number']}.jpg").write_bytes(photo.read_bytes())
    receive_photos(
        engine,
        settings,
        batch_id=batch_id,
        listing=list_upload(settings, folder / "photos"),
        source_name="photos",
        author=IntakeAuthor("test-admin", None),
    )
    return rows


def verdicts(report: AutoReviewReport, rows: list[dict[str, str]]) -> list[bool]:
    """Pass or fail of each student's photo, in roster order."""
    passed = {item.file_name.removesuffix(".jpg"): item.passed for item in report.attempts}
    return [passed[row["id_number"]] for row in rows]


def events_to(engine, *statuses: RecordStatus) -> list[RecordEvent]:
    with session_scope(engine) as session:
        return list(session.exec(select(RecordEvent).where(RecordEvent.to_status.in_(statuses))).all())


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_stage_one_chunks_run_on_dask_workers_with_the_verdicts_of_a_local_run(
    engine, on_dask, cluster, tmp_path
):
    rows = photographed(
        engine, on_dask, tmp_path, [neutral(2), neutral(3), neutral(4), smiling(5), neutral(6)]
    )

    with get_task_stream(cluster) as stream:
        report = auto_review_flow(INSTITUTION, "regular")
    rerun = auto_review_flow(INSTITUTION, "regular")

    assert (report.reviewed, report.passed, report.rejected) == (5, 4, 1)
    assert verdicts(report, rows) == [True, True, True, False, True]
    attempt_ids = [item.attempt_id for item in report.attempts]
    assert attempt_ids == sorted(attempt_ids)  # gathered in chunk order, whichever chunk ended first
    assert (rerun.reviewed, rerun.already_reviewed) == (0, 0)
    with session_scope(engine) as session:
        status = {r.id_number: r.status for r in session.exec(select(StudentRecord))}
    assert [status[row["id_number"]] for row in rows] == [RecordStatus.IN_MANUAL_REVIEW] * 3 + [
        RecordStatus.RESHOOT_REQUESTED,
        RecordStatus.IN_MANUAL_REVIEW,
    ]
    moves = events_to(
        engine, RecordStatus.IN_MANUAL_REVIEW, RecordStatus.AUTO_REJECTED, RecordStatus.RESHOOT_REQUESTED
    )
    assert sorted(str(event.to_status) for event in moves) == sorted(
        ["in_manual_review"] * 4 + ["auto_rejected", "reshoot_requested"]
    )
    assert_chunks_ran_on_workers(cluster, stream, moves, "review_chunk", 3)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_stage_three_chunks_run_on_dask_workers_with_the_outcomes_of_a_local_run(
    engine, on_dask, cluster, tmp_path
):
    rows = students(4, seed=32)
    batch_id = upload(engine, on_dask, write_roster_workbook(tmp_path / "roster.xlsx", rows)).batch_id
    records = batch_records(engine)
    for person, record in zip((1, 2, 3, 4), records, strict=True):
        reviewed_photo(engine, on_dask, record.id, neutral(person), to=RecordStatus.IN_MANUAL_REVIEW)
    # 0 and 1: genuine enrollment photos; 2: someone else's; 3: none yet, so it waits
    for record, person in zip(records, (1, 2, 61), strict=False):
        enrollment_photo(engine, on_dask, record.id, smiling(person))
    with session_scope(engine) as session:
        contract = session.exec(select(Contract)).one()
        contract.enrollment_comparison, contract.interception = True, True
    approve(engine, batch_id, actor="reviewer-1", everyone=True)

    with get_task_stream(cluster) as stream:
        report = similarity_flow(batch_id)
    rerun = similarity_flow(batch_id)

    assert (report.considered, report.collected, report.held) == (4, 2, 1)
    assert report.waiting == {"enrollment_photo_missing": 1}
    assert [item.record_id for item in report.records] == [record.id for record in records]
    assert (rerun.collected, rerun.held, rerun.waiting) == (0, 0, {"enrollment_photo_missing": 1})
    moves = events_to(engine, RecordStatus.COLLECTED, RecordStatus.HELD)
    assert sorted(event.record_id for event in moves) == [record.id for record in records[:3]]
    assert_chunks_ran_on_workers(cluster, stream, moves, "compare_chunk", 2)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_an_address_the_run_starts_a_local_cluster_whose_workers_inherit_the_settings(
    engine, settings, tmp_path, monkeypatch
):
    for name, value in {"PHOTOFLOW_TASK_RUNNER": "dask", "PHOTOFLOW_REVIEW_CHUNK_SIZE": "1"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    rows = photographed(engine, get_settings(), tmp_path, [neutral(2), smiling(5)])

    report = auto_review_flow(INSTITUTION, "regular")

    assert verdicts(report, rows) == [True, False]
    [flow_run_id] = {event.flow_run_id for event in events_to(engine, RecordStatus.IN_MANUAL_REVIEW)}
    assert task_run_states(flow_run_id, "review_chunk") == [StateType.COMPLETED] * 2


def test_jobs_run_in_process_inside_a_daemonic_process(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    out = tmp_path / "pids.txt"
    child = context.Process(target=write_job_pids, args=(out,), daemon=True)
    child.start()
    child.join(timeout=60)

    assert child.exitcode == 0
    pids = out.read_text().split()
    assert len(pids) == 4 and len(set(pids)) == 1 and pids[0] == str(child.pid)


def write_job_pids(out: Path) -> None:
    """In a daemonic child: four jobs over two workers, where a process pool would fail to start."""
    out.write_text(" ".join(str(pid) for pid in run_jobs(job_pid, [1, 2, 3, 4], 2)))


def job_pid(_: int) -> int:
    return os.getpid()
