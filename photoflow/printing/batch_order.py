"""The batch flow's print stage: one order per batch and layout, made once nothing is left in review.

A batch run is rerun many times (after a crash, after reviewers decide, after an admin releases held
records), so the stage must neither print a half-reviewed batch nor order the same prints twice. The
rule: while any record is still in review (automatic, manual, comparison, held, or waiting for the
registry's answer) the stage waits and says why; after that the batch gets one order of all its
collected and registered photos per layout, and every later run finds that order and returns it.
Students whose reshoots are collected after the order was made go into a top-up order that ops
request with `photoflow print request`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import col, select

from photoflow.printing.orders import add_order, check_print_request, printable, printable_records
from photoflow.records_filter import RecordFilter
from schemas.batches import Batch
from schemas.db import write_scope
from schemas.deliverables import PrintOrder
from schemas.enums import RecordStatus
from schemas.records import StudentRecord

IN_REVIEW = (
    RecordStatus.IN_AUTO_REVIEW,
    RecordStatus.IN_MANUAL_REVIEW,
    RecordStatus.COMPARING,
    RecordStatus.HELD,
    RecordStatus.SUBMITTING,
)


@dataclass(frozen=True)
class BatchPrint:
    """What ops ask of the batch run's print stage."""

    layout: str
    address: str
    split_by: list[str] = field(default_factory=lambda: ["department"])


@dataclass(frozen=True)
class BatchPrintOrder:
    """The batch's order for the layout, or why there is none yet."""

    order_id: int | None
    waiting: str | None = None


def batch_print_order(engine: Engine, batch_id: int, wanted: BatchPrint, *, actor: str) -> BatchPrintOrder:
    """The batch's order for `wanted.layout`: found, made now, or waiting (with the reason). The batch
    row is locked while deciding, so two runs at once make one order."""
    check_print_request(split_by=wanted.split_by, layout=wanted.layout, address=wanted.address)
    whole_batch = printable(RecordFilter(batch_id=batch_id))
    with write_scope(engine) as session:
        session.get(Batch, batch_id, with_for_update=True)
        for order in session.exec(
            select(PrintOrder).where(PrintOrder.batch_id == batch_id, PrintOrder.layout == wanted.layout)
        ).all():
            if order.filters == whole_batch.as_dict():
                return BatchPrintOrder(order.id)
        in_review = session.exec(
            select(func.count())
            .select_from(StudentRecord)
            .where(StudentRecord.batch_id == batch_id, col(StudentRecord.status).in_(IN_REVIEW))
        ).one()
        if in_review:
            return BatchPrintOrder(
                None, f"{in_review} records are still in review; the batch prints once they are decided"
            )
        photos = len(printable_records(session, whole_batch))
        if not photos:
            return BatchPrintOrder(None, "no collected or registered photos to print yet")
        order_id = add_order(
            session,
            whole_batch,
            photos,
            split_by=wanted.split_by,
            layout=wanted.layout,
            address=wanted.address,
            actor=actor,
        )
        return BatchPrintOrder(order_id)
