"""The batch run's print stage on SQLite and PostgreSQL: it waits while records are in review, then
makes one order per batch and layout, which every later run finds instead of ordering again."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from photoflow.errors import PhotoflowError
from photoflow.manual_review.decisions import approve
from photoflow.printing.batch_order import BatchPrint, batch_print_order
from schemas.db import session_scope
from schemas.deliverables import PrintOrder
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.registry_helpers import spec_sized_jpeg
from tests.review_helpers import collected, manual_queue

WANTED = BatchPrint("one_inch", "示范大学教务处", ["department", "class_name"])


def orders(engine) -> list[PrintOrder]:
    with session_scope(engine) as session:
        found = session.exec(select(PrintOrder).order_by(PrintOrder.id)).all()
        session.expunge_all()
        return list(found)


def test_one_order_per_batch_and_layout_however_often_the_run_is_repeated(
    engine, settings, contract, tmp_path
):
    batch_id = collected(engine, settings, tmp_path, 6)

    first = batch_print_order(engine, batch_id, WANTED, actor="ops")
    again = batch_print_order(engine, batch_id, WANTED, actor="ops")
    other = batch_print_order(engine, batch_id, BatchPrint("two_inch", "示范大学教务处"), actor="ops")

    assert first.order_id is not None and first.waiting is None
    assert again.order_id == first.order_id
    assert other.order_id not in (None, first.order_id)
    made = orders(engine)
    assert [(o.layout, o.photos, o.split_by, o.requested_by) for o in made] == [
        ("one_inch", 6, ["department", "class_name"], "ops"),
        ("two_inch", 6, ["department"], "ops"),
    ]


def test_the_stage_waits_while_any_record_is_in_review_and_says_how_many(
    engine, settings, contract, tmp_path
):
    photo = tmp_path / "spec.jpg"
    photo.write_bytes(spec_sized_jpeg(1))
    manual_queue(engine, settings, tmp_path, 7, photo=photo)
    with session_scope(engine) as session:
        batch_id = session.exec(select(StudentRecord.batch_id)).first()
        students = session.exec(select(StudentRecord.id_number).order_by(StudentRecord.id)).all()
    approve(engine, batch_id, actor="ops", id_numbers=students[:4])  # three photos still with reviewers
    with session_scope(engine) as session:
        in_queue = session.exec(
            select(func.count()).where(StudentRecord.status == RecordStatus.IN_MANUAL_REVIEW)
        ).one()

    decided = batch_print_order(engine, batch_id, WANTED, actor="ops")

    assert in_queue == 3
    assert decided.order_id is None and decided.waiting.startswith("3 records are still in review")
    assert orders(engine) == []


def test_a_batch_with_nothing_collected_gets_no_order(engine, settings, contract, tmp_path):
    manual_queue(engine, settings, tmp_path, 2)
    with session_scope(engine) as session:
        batch_id = session.exec(select(StudentRecord.batch_id)).first()
        for record in session.exec(select(StudentRecord)).all():
            record.status = RecordStatus.AWAITING_PHOTO  # as if every photo had been rejected
            session.add(record)

    decided = batch_print_order(engine, batch_id, WANTED, actor="ops")

    assert decided == type(decided)(None, "no collected or registered photos to print yet")


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        (BatchPrint("poster", "教务处"), "poster"),
        (BatchPrint("one_inch", "  "), "shipping address"),
        (BatchPrint("one_inch", "教务处", ["shoe_size"]), "cannot split by shoe_size"),
    ],
)
def test_a_wrong_request_is_refused_before_anything_is_ordered(
    engine, settings, contract, tmp_path, wanted, message
):
    batch_id = collected(engine, settings, tmp_path, 2)

    with pytest.raises(PhotoflowError, match=message):
        batch_print_order(engine, batch_id, wanted, actor="ops")
    assert orders(engine) == []
