"""Print orders on SQLite and PostgreSQL: sub-packages follow the split and the filters, sheets and
manifests are written once, the status moves one step at a time, and billing counts each photo once."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from data_contracts.print_layouts import load_print_layouts
from photoflow.billing import billing
from photoflow.errors import PhotoflowError
from photoflow.printing.orders import build_order, move_order, request_print
from photoflow.printing.sheets import grid
from photoflow.records_filter import RecordFilter
from photoflow.state import transition
from schemas.db import session_scope
from schemas.deliverables import PrintOrderEvent, PrintStatus
from schemas.enums import RecordStatus
from schemas.records import RecordEvent, StudentRecord
from tests.review_helpers import collected

ADDRESS = "北京市海淀区示范路 1 号 教务处"


def records(engine) -> list[StudentRecord]:
    with session_scope(engine) as session:
        found = session.exec(select(StudentRecord).order_by(StudentRecord.id)).all()
        session.expunge_all()
        return list(found)


def order(engine, settings, batch_id, *, split_by=(), layout="one_inch", **filters):
    wanted = RecordFilter(batch_id=batch_id, **filters)
    order_id = request_print(engine, wanted, split_by=split_by, layout=layout, address=ADDRESS, actor="ops")
    return build_order(engine, settings, order_id)


def test_sub_packages_follow_the_split_with_sheets_and_a_manifest_saying_where_each_photo_is(
    engine, settings, contract, tmp_path
):
    batch_id = collected(engine, settings, tmp_path, 14)
    built = order(engine, settings, batch_id, split_by=["department", "class_name"])

    students = records(engine)
    groups = Counter((r.department, r.class_name) for r in students)
    per_sheet = grid(load_print_layouts()["one_inch"]).per_sheet
    assert built.photos == 14 and built.status == PrintStatus.WAITING.value
    assert sorted((tuple(s.values.values()), s.photos) for s in built.sub_packages) == sorted(groups.items())
    for sub in built.sub_packages:
        assert sub.sheets == math.ceil(sub.photos / per_sheet)
        assert Path(sub.sheets_path).read_bytes()[:5] == b"%PDF-"
        sheet = openpyxl.load_workbook(sub.manifest_path).active
        header = [cell.value for cell in sheet[1]]
        rows = [
            dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)
        ]
        assert len(rows) == sub.photos
        assert {(row["院系"], row["班级"]) for row in rows} == {tuple(sub.values.values())}
        assert [(row["页码 Sheet"], row["位置 Place"]) for row in rows] == [
            (index // per_sheet + 1, index % per_sheet + 1) for index in range(sub.photos)
        ]
        assert all(isinstance(row["证件号"], str) and len(row["证件号"]) == 18 for row in rows)
    assert build_order(engine, settings, built.id) == built  # written once: a rerun returns the same


def test_filters_pick_the_sub_packages_and_only_collected_or_registered_photos_print(
    engine, settings, contract, tmp_path
):
    batch_id = collected(engine, settings, tmp_path, 12)
    students = records(engine)
    with session_scope(engine) as session:  # one student registered, one back for a reshoot
        registered, reshot = (
            session.get(StudentRecord, students[0].id),
            session.get(StudentRecord, students[4].id),
        )
        transition(session, registered, RecordStatus.SUBMITTING, actor="test")
        transition(session, registered, RecordStatus.REGISTERED, actor="test")
        transition(session, reshot, RecordStatus.SUBMITTING, actor="test")
        transition(session, reshot, RecordStatus.REGISTRY_FAILED, actor="test")
    department = students[0].department

    built = order(engine, settings, batch_id, split_by=["class_name"], department=department)

    expected = [r for r in students if r.department == department and r.id != students[4].id]
    assert built.photos == len(expected) and {sub.values["class_name"] for sub in built.sub_packages} == {
        r.class_name for r in expected
    }
    assert sum(sub.photos for sub in built.sub_packages) == len(expected)


def test_an_order_moves_waiting_printing_shipped_one_step_at_a_time(engine, settings, contract, tmp_path):
    built = order(engine, settings, collected(engine, settings, tmp_path, 2))
    with pytest.raises(PhotoflowError, match="cannot move"):
        move_order(engine, built.id, PrintStatus.SHIPPED, actor="ops")
    move_order(engine, built.id, PrintStatus.PRINTING, actor="printer")
    move_order(engine, built.id, PrintStatus.SHIPPED, actor="ops", note="SF1234567890")

    with session_scope(engine) as session:
        events = session.exec(select(PrintOrderEvent).order_by(PrintOrderEvent.id)).all()
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, PrintStatus.WAITING, "ops"),
        (PrintStatus.WAITING, PrintStatus.PRINTING, "printer"),
        (PrintStatus.PRINTING, PrintStatus.SHIPPED, "ops"),
    ]
    assert events[-1].note == "SF1234567890"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"layout": "poster"}, "Unknown print layout 'poster'"),
        ({"split_by": ["hair_colour"]}, "cannot split by hair_colour"),
        ({"address": " "}, "shipping address"),
        ({"department": "天文学院"}, "no collected or registered photos"),
    ],
)
def test_a_wrong_request_is_refused_with_its_reason(engine, settings, contract, tmp_path, change, message):
    batch_id = collected(engine, settings, tmp_path, 2)
    request = {"split_by": [], "layout": "two_inch", "address": ADDRESS, **change}
    wanted = RecordFilter(batch_id=batch_id, department=request.pop("department", None))
    with pytest.raises(PhotoflowError, match=message):
        request_print(engine, wanted, actor="ops", **request)


def test_billing_counts_each_student_once_in_the_china_month_they_were_first_collected(
    engine, settings, contract, tmp_path
):
    collected(engine, settings, tmp_path, 4)
    students = records(engine)
    when = {  # first collection times, UTC: 2026-05-31 17:30 UTC is already June 1st in China
        students[0].id: datetime(2026, 5, 31, 15, 0, tzinfo=UTC),
        students[1].id: datetime(2026, 5, 31, 17, 30, tzinfo=UTC),
        students[2].id: datetime(2026, 6, 15, 8, 0, tzinfo=UTC),
        students[3].id: datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
    }
    with session_scope(engine) as session:
        for event in session.exec(select(RecordEvent).where(RecordEvent.to_status == RecordStatus.COLLECTED)):
            event.at = when[event.record_id]
            session.add(event)
        again = session.get(StudentRecord, students[2].id)  # collected a second time after a reshoot: once
        for status in (
            RecordStatus.SUBMITTING,
            RecordStatus.REGISTRY_FAILED,
            RecordStatus.RESHOOT_REQUESTED,
            RecordStatus.IN_AUTO_REVIEW,
            RecordStatus.IN_MANUAL_REVIEW,
            RecordStatus.COLLECTED,
        ):
            transition(session, again, status, actor="test")

    summary = billing(engine, institution_code="10001", start=date(2026, 5, 1), end=date(2026, 6, 30))

    assert [(line.period, line.category, line.photos, line.amount) for line in summary.lines] == [
        ("2026-05", "regular", 1, Decimal("30.00")),
        ("2026-06", "regular", 2, Decimal("60.00")),
    ]
    assert (summary.total_photos, summary.total_amount) == (3, Decimal("90.00"))
    with pytest.raises(PhotoflowError, match="swap"):
        billing(engine, start=date(2026, 7, 1), end=date(2026, 6, 1))
