"""The Prefect flows, run on a temporary Prefect server against both databases."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from flows.batch import batch_flow
from flows.roster_upload import roster_upload_flow
from flows.similarity import similarity_flow
from photoflow.contracts import set_interception
from photoflow.manual_review.decisions import approve
from photoflow.roster.workbook import write_roster_workbook
from photoflow.similarity.id_registry_sim import start_simulator
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import RecordEvent
from tests.helpers import INSTITUTION, students
from tests.similarity_helpers import batch_records, neutral, registry_folder, reviewed_photo, smiling

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness", "contract")]


def test_roster_upload_flow_reports_and_logs_its_run_on_every_event(engine, settings, tmp_path):
    rows = students(12)
    rows[3]["name"] = None
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)

    report = roster_upload_flow(str(path), INSTITUTION, "普通高等教育")

    assert (report.total, report.succeeded, report.failed) == (12, 11, 1)
    with session_scope(engine) as session:
        events = session.scalars(select(RecordEvent)).all()
    assert len(events) == 11
    assert {e.actor for e in events} == {"test-admin"}
    assert len({e.flow_run_id for e in events}) == 1 and events[0].flow_run_id


def test_rerunning_the_batch_flow_duplicates_nothing(engine, settings, tmp_path):
    first = write_roster_workbook(tmp_path / "part1.xlsx", students(6, seed=1))
    second = write_roster_workbook(tmp_path / "part2.xlsx", students(4, seed=2))

    run = batch_flow(INSTITUTION, "regular", rosters=[str(first), str(second)])
    rerun = batch_flow(INSTITUTION, "regular", rosters=[str(first), str(second)])

    assert [r.succeeded for r in run.rosters] == [6, 4]
    assert [(r.succeeded, r.unchanged) for r in rerun.rosters] == [(0, 6), (0, 4)]
    assert rerun.auto_review.reviewed == 0
    with session_scope(engine) as session:
        assert len(session.scalars(select(RecordEvent)).all()) == 10


def test_similarity_flow_asks_the_registry_over_http_once_and_a_rerun_compares_nothing(
    engine, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(settings, "photo_workers", 1)
    path = write_roster_workbook(tmp_path / "roster.xlsx", students(3, seed=4))
    report = roster_upload_flow(str(path), INSTITUTION, "regular")
    records = batch_records(engine)
    for person, record in zip((1, 2, 3), records, strict=True):
        reviewed_photo(engine, settings, record.id, neutral(person), to=RecordStatus.IN_MANUAL_REVIEW)
    with session_scope(engine) as session:
        set_interception(session, INSTITUTION, None, True)
        contract = session.scalars(select(Contract)).one()
        contract.id_registry_comparison = True
    approve(engine, report.batch_id, actor="reviewer-1", everyone=True)
    folder = registry_folder(
        tmp_path / "registry", {records[0].id_number: smiling(1), records[1].id_number: smiling(41)}
    )
    with start_simulator(folder, token="sim-token") as simulator:
        monkeypatch.setattr(settings, "id_registry", simulator.url)
        monkeypatch.setattr(settings, "id_registry_token", SecretStr("sim-token"))

        first = similarity_flow(report.batch_id)
        rerun = similarity_flow(report.batch_id)

        assert simulator.requests == 3
    assert (first.considered, first.collected, first.held, first.waiting) == (3, 1, 2, {})
    assert (rerun.considered, rerun.collected, rerun.held) == (0, 0, 0)
    with session_scope(engine) as session:
        moves = session.scalars(
            select(RecordEvent).where(RecordEvent.to_status.in_([RecordStatus.HELD, RecordStatus.COLLECTED]))
        ).all()
    assert len(moves) == 3 and len({event.flow_run_id for event in moves}) == 1 and moves[0].flow_run_id
