"""The progress view: status counts for an institution, category or batch, and a filtered, searchable
record list, paged because an institution can have tens of thousands of graduates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import select

from photoflow import idnumber
from photoflow.records_filter import RecordFilter
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.outputs import from_row
from schemas.progress import ProgressOut, ProgressRow, StatusCount
from schemas.records import StudentRecord


@dataclass(frozen=True)
class ProgressFilter:
    """The records a progress view shows (`records`, whose statuses are counted over its scope), by page."""

    records: RecordFilter
    page: int = 1
    page_size: int = 50


def progress(engine: Engine, wanted: ProgressFilter) -> ProgressOut:
    chosen = wanted.records
    chosen.check()
    with session_scope(engine) as session:
        by_status = dict(
            session.exec(
                chosen.scoped(select(StudentRecord.status, func.count())).group_by(StudentRecord.status)
            ).all()
        )
        counting = select(func.count()).select_from(StudentRecord)
        total = session.exec(chosen.apply(counting)).one()
        pages = max(1, math.ceil(total / wanted.page_size))
        page = min(max(1, wanted.page), pages)
        records = session.exec(
            chosen.apply(select(StudentRecord))
            .order_by(StudentRecord.batch_id, StudentRecord.source_row, StudentRecord.id)
            .offset((page - 1) * wanted.page_size)
            .limit(wanted.page_size)
        ).all()
    counts = [StatusCount(status=s.value, label=s.label, count=by_status.get(s, 0)) for s in RecordStatus]
    rows = [_row(record) for record in records]
    return ProgressOut(counts=counts, total=total, page=page, pages=pages, rows=rows)


def _row(r: StudentRecord) -> ProgressRow:
    return from_row(
        ProgressRow,
        r,
        record_id=stored_id(r),
        id_number=idnumber.mask(r.id_number),
        status=r.status.value,
        status_label=r.status.label,
    )
