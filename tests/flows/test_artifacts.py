"""Stage summaries: counted from the database, published as Prefect artifacts that never fail a stage."""

from __future__ import annotations

import json

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import Artifact
from prefect.runtime import flow_run
from sqlalchemy import select

from flows.export import export_flow
from flows.roster_upload import roster_upload_flow
from photoflow import state
from photoflow.exports.jobs import request_export
from photoflow.records_filter import RecordFilter
from photoflow.roster.workbook import write_roster_workbook
from photoflow.stage_summary import batches_changed_by, reason_kind, stage_summary
from schemas.db import session_scope
from schemas.enums import RecordStatus as S
from schemas.records import StudentRecord
from tasks.artifacts import publish_changed_batches
from tests.helpers import INSTITUTION, students, upload


def _move(engine, record_ids: list[int], target: S, reason: str, run: str) -> None:
    with session_scope(engine) as session:
        for record_id in record_ids:
            record = session.get(StudentRecord, record_id)
            state.transition(session, record, target, actor="test", reason=reason, flow_run_id=run)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("photo received: 110101199003077777.jpg (attempt 2)", "photo received"),
        ("automatic review passed (attempt 3)", "automatic review passed"),
        ("automatic review: Too dark; Eyes closed", "automatic review"),
        ("registered (receipt R-42)", "registered"),
        ("驳回重拍 / Reject, reshoot: 110101199003077777 looks older", "驳回重拍 / Reject, reshoot"),
        (
            "sent to the registry again after it was unreachable",
            "sent to the registry again after it was unreachable",
        ),
        (None, ""),
    ],
)
def test_reason_kind_keeps_the_cause_and_drops_per_record_detail(reason, kind):
    assert reason_kind(reason) == kind


def test_summary_counts_every_status_and_only_this_runs_moves(engine, settings, tmp_path, contract):
    report = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", students(5)))
    with session_scope(engine) as session:
        records = session.scalars(select(StudentRecord).order_by(StudentRecord.id)).all()
    ids = [r.id for r in records]
    for record in records[:3]:
        _move(
            engine,
            [record.id],
            S.IN_AUTO_REVIEW,
            f"photo received: {record.id_number}.jpg (attempt 1)",
            "run-a",
        )
    _move(engine, ids[:2], S.AUTO_REJECTED, "automatic review: Too dark", "run-a")
    _move(engine, ids[3:4], S.IN_AUTO_REVIEW, "photo received: other.jpg (attempt 1)", "run-b")

    summary = stage_summary(engine, report.batch_id, "run-a")

    counts = {s.status: s.count for s in summary.statuses}
    assert list(counts) == [s.value for s in S]
    assert counts == {s.value: 0 for s in S} | {"awaiting_photo": 1, "in_auto_review": 2, "auto_rejected": 2}
    assert summary.statuses[0].zh == "待采集" and summary.statuses[0].en == "Awaiting photo"
    assert [(r.to_status, r.reason, r.count) for r in summary.reasons] == [
        ("in_auto_review", "photo received", 3),
        ("auto_rejected", "automatic review", 2),
    ]
    assert not any(r.id_number in summary.model_dump_json() for r in records)
    assert stage_summary(engine, report.batch_id, None).reasons == []
    assert batches_changed_by(engine, "run-a") == [report.batch_id]
    assert batches_changed_by(engine, "run-z") == []


def _artifacts(flow_run_id) -> dict[str, Artifact]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found}


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_roster_upload_publishes_its_counts_and_error_report(engine, settings, tmp_path):
    rows = students(12)
    rows[3]["name"] = None
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)

    run = roster_upload_flow(str(path), INSTITUTION, "regular", return_state=True)

    report = run.result()
    key = f"batch-{report.batch_id}-roster-upload"
    published = _artifacts(run.state_details.flow_run_id)
    assert set(published) == {f"{key}-statuses", f"{key}-moves", f"{key}-reports"}
    statuses = json.loads(published[f"{key}-statuses"].data)
    assert len(statuses) == len(S)
    assert statuses[0] == {
        "status": "awaiting_photo",
        "中文": "待采集",
        "English": "Awaiting photo",
        "records": 11,
    }
    assert all(row["records"] == 0 for row in statuses[1:])
    assert [
        (m["to status"], m["reason"], m["records"]) for m in json.loads(published[f"{key}-moves"].data)
    ] == [("awaiting_photo", f"roster upload {report.upload_id}", 11)]
    links = published[f"{key}-reports"].data
    assert (
        report.error_report in links and (settings.data_dir / report.error_report).resolve().as_uri() in links
    )
    assert not any(row["id_number"] in str([a.data for a in published.values()]) for row in rows)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_an_export_links_its_workbook_and_moves_no_record(engine, settings, tmp_path):
    report = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", students(3)))
    queued = request_export(engine, report.batch_id, RecordFilter(), actor="test-admin")

    run = export_flow(queued.id, return_state=True)

    done = run.result()
    key = f"batch-{report.batch_id}-export"
    published = _artifacts(run.state_details.flow_run_id)
    assert json.loads(published[f"{key}-moves"].data) == []
    assert json.loads(published[f"{key}-statuses"].data)[0]["records"] == 3
    assert (settings.data_dir / done.path).resolve().as_uri() in published[f"{key}-reports"].data


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_a_flow_across_batches_publishes_for_the_batches_it_moved(engine, settings, tmp_path):
    report = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", students(2)))
    with session_scope(engine) as session:
        first = session.scalars(select(StudentRecord.id).order_by(StudentRecord.id)).first()

    @flow
    def mover() -> None:
        _move(engine, [first], S.IN_AUTO_REVIEW, "photo received: a.jpg (attempt 1)", flow_run.id)
        publish_changed_batches("registry-reconcile")

    run = mover(return_state=True)

    published = _artifacts(run.state_details.flow_run_id)
    key = f"batch-{report.batch_id}-registry-reconcile"
    assert set(published) == {f"{key}-statuses", f"{key}-moves"}
    assert json.loads(published[f"{key}-moves"].data)[0]["records"] == 1


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness", "contract")
def test_an_artifact_api_failure_does_not_fail_the_stage(engine, settings, tmp_path, monkeypatch, caplog):
    def refuse(**_: object) -> None:
        raise RuntimeError("artifact API down")

    monkeypatch.setattr("tasks.artifacts.create_table_artifact", refuse)
    path = write_roster_workbook(tmp_path / "roster.xlsx", students(4))

    run = roster_upload_flow(str(path), INSTITUTION, "regular", return_state=True)

    assert run.is_completed()
    assert run.result().succeeded == 4
    assert "no roster-upload artifacts for batch" in caplog.text and "artifact API down" in caplog.text
    assert _artifacts(run.state_details.flow_run_id) == {}
    with session_scope(engine) as session:
        assert len(session.scalars(select(StudentRecord)).all()) == 4
