"""The Prefect flows, run on a temporary Prefect server against both databases."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from flows.batch import batch_flow
from flows.roster_upload import roster_upload_flow
from flows.similarity import similarity_flow
from photoflow.errors import PhotoflowError
from photoflow.institution_contracts import set_interception
from photoflow.manual_review.decisions import approve
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.id_registry_simulator import start_simulator
from schemas.db import session_scope
from schemas.deliverables import PrintOrder
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import RecordEvent
from tests.helpers import INSTITUTION, students
from tests.registry_helpers import spec_sized_jpeg
from tests.review_helpers import manual_queue
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


def test_the_batch_flow_prints_once_nothing_is_in_review_and_a_rerun_orders_nothing_again(
    engine, settings, tmp_path
):
    review_ids = manual_queue(engine, settings, tmp_path, 5, photo=spec_photo(tmp_path))
    printing = {"print_layout": "one_inch", "print_address": "示范大学教务处"}

    waiting = batch_flow(INSTITUTION, "regular", **printing)
    approve(engine, waiting.batch_id, actor="reviewer-1", everyone=True)
    printed = batch_flow(INSTITUTION, "regular", **printing)
    rerun = batch_flow(INSTITUTION, "regular", **printing)

    assert len(review_ids) == 5
    assert waiting.print_order is None and waiting.print_waiting.startswith("5 records are still in review")
    assert printed.print_order.photos == 5 and printed.print_order.split_by == ["department"]
    assert sum(sub.photos for sub in printed.print_order.sub_packages) == 5
    assert rerun.print_order == printed.print_order
    with session_scope(engine) as session:
        assert len(session.scalars(select(PrintOrder)).all()) == 1


def test_the_batch_flow_refuses_a_wrong_print_request_before_any_work(engine, settings, tmp_path):
    roster = write_roster_workbook(tmp_path / "roster.xlsx", students(3, seed=5))

    with pytest.raises(PhotoflowError, match="shipping address"):
        batch_flow(INSTITUTION, "regular", rosters=[str(roster)], print_layout="one_inch")
    with session_scope(engine) as session:
        assert session.scalars(select(RecordEvent)).all() == []


def spec_photo(folder):
    photo = folder / "spec.jpg"
    photo.write_bytes(spec_sized_jpeg(1))
    return photo
