"""The Prefect flows, run on a temporary Prefect server against both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flows.batch import batch_flow
from flows.roster_upload import roster_upload_flow
from photoflow.roster.workbook import write_roster_workbook
from schemas.db import session_scope
from schemas.records import RecordEvent
from tests.helpers import INSTITUTION, students

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
