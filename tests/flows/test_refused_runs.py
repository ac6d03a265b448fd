"""A stage that refuses its input leaves its Prefect flow run Failed, the reason in state, log and artifact.

Read back from the Prefect server, as ops see it in the UI: a refused roster or a missing file must not
hide behind a Completed run (before, only `roster list` showed the upload had been rejected).
"""

from __future__ import annotations

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogWorker
from prefect.states import State
from prefect.utilities.asyncutils import run_coro_as_sync
from sqlalchemy import func, select

from flows.batch import batch_flow
from flows.photo_intake import photo_intake_flow
from flows.roster_upload import roster_upload_flow
from photoflow.roster.ingest import RosterRefused
from photoflow.roster.workbook import write_roster_workbook
from schemas.db import session_scope
from schemas.photos import PhotoIntake
from schemas.records import StudentRecord
from tests.helpers import INSTITUTION, students
from tests.registry_helpers import spec_sized_jpeg

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness", "contract")]
UNREADABLE = b"PK\x03\x04 this is not really a workbook"


def as_recorded(state: State) -> tuple[str, str, list[str], dict[str, str]]:
    """The run as the Prefect server holds it: state type, state message, log lines, artifacts by key."""
    APILogWorker.drain_all()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return (
        run.state.type.value,
        run.state.message or "",
        [log.message for log in logs],
        {artifact.key: str(artifact.data) for artifact in artifacts},
    )


def test_a_refused_roster_leaves_its_upload_run_failed_naming_the_reason(engine, settings, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(UNREADABLE)

    state = roster_upload_flow(str(path), INSTITUTION, "regular", return_state=True)

    kind, message, logs, artifacts = as_recorded(state)
    assert kind == "FAILED"
    assert "roster.xlsx" in message and "cannot be read as an Excel workbook" in message
    assert any("cannot be read as an Excel workbook" in line for line in logs)
    # aresult: `result` turns into a coroutine when an earlier test left an event loop in this thread
    refusal = run_coro_as_sync(state.aresult(raise_on_failure=False))
    assert isinstance(refusal, RosterRefused) and refusal.report.status == "rejected"
    key = f"batch-{refusal.report.batch_id}-roster-upload-refused"
    assert "cannot be read as an Excel workbook" in artifacts[key]
    with pytest.raises(RosterRefused, match="cannot be read as an Excel workbook"):  # called directly
        roster_upload_flow(str(path), INSTITUTION, "regular")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.xlsx", None, "was not found"),
        ("roster.xlsx", UNREADABLE, "cannot be read as an Excel workbook"),
    ],
)
def test_a_batch_run_with_a_missing_or_refused_roster_fails_before_its_photos(
    engine, settings, tmp_path, name, content, reason
):
    good = write_roster_workbook(tmp_path / "good.xlsx", students(3, seed=7))
    roster = tmp_path / name
    if content is not None:
        roster.write_bytes(content)
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "nobody.jpg").write_bytes(spec_sized_jpeg(1))  # received (and unmatched) if the run went on

    state = batch_flow(
        INSTITUTION, "regular", rosters=[str(good), str(roster)], photos=[str(photos)], return_state=True
    )

    kind, message, logs, artifacts = as_recorded(state)
    assert kind == "FAILED"
    assert name in message and reason in message
    assert any(name in line and reason in line for line in logs)
    assert [key for key in artifacts if key.endswith("-batch-refused")]
    assert all(name in data and reason in data for key, data in artifacts.items() if key.endswith("-refused"))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(StudentRecord)) == 3  # the good roster's
        assert session.scalar(select(func.count()).select_from(PhotoIntake)) == 0  # photos not received


def test_a_photo_intake_run_of_a_damaged_zip_fails_naming_the_file(engine, settings, tmp_path):
    roster_upload_flow(str(write_roster_workbook(tmp_path / "r.xlsx", students(2))), INSTITUTION, "regular")
    damaged = tmp_path / "photos.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 40)

    state = photo_intake_flow(str(damaged), INSTITUTION, "regular", return_state=True)

    kind, message, logs, artifacts = as_recorded(state)
    assert kind == "FAILED" and "photos.zip" in message
    assert "Traceback" not in message and any("photos.zip" in line for line in logs)
    [refused] = [data for key, data in artifacts.items() if key.endswith("-photo-intake-refused")]
    assert "photos.zip" in refused
