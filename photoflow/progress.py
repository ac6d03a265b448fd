"""The progress view: status counts for an institution or batch, and a filtered, searchable record list.

Search takes a name (or part of one) or an ID number (or its last digits, as people read them off
a card); the list is paged, because an institution can have tens of thousands of graduates.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import col, select

from photoflow import idnumber
from photoflow.errors import PhotoflowError
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.progress import ProgressOut, ProgressRow, StatusCount
from schemas.records import StudentRecord

ID_LIKE = re.compile(r"^[0-9]{4,17}[0-9Xx]?$")
MAX_SEARCH = 50


@dataclass(frozen=True)
class ProgressFilter:
    institution_code: str | None = None
    batch_id: int | None = None
    status: str | None = None
    search: str = ""
    page: int = 1
    page_size: int = 50


def _scoped(statement, wanted: ProgressFilter):
    if wanted.institution_code is not None:
        statement = statement.where(StudentRecord.institution_code == wanted.institution_code)
    if wanted.batch_id is not None:
        statement = statement.where(StudentRecord.batch_id == wanted.batch_id)
    return statement


def _matching(statement, wanted: ProgressFilter):
    if wanted.status:
        statement = statement.where(StudentRecord.status == RecordStatus(wanted.status))
    text = wanted.search.strip()
    if ID_LIKE.match(text):
        statement = statement.where(col(StudentRecord.id_number).endswith(idnumber.normalise(text)))
    elif text:
        statement = statement.where(col(StudentRecord.name).contains(text, autoescape=True))
    return statement


def check(wanted: ProgressFilter) -> None:
    if wanted.status and wanted.status not in {status.value for status in RecordStatus}:
        raise PhotoflowError(f"'{wanted.status}' is not a record status")
    if len(wanted.search) > MAX_SEARCH:
        raise PhotoflowError(f"search for at most {MAX_SEARCH} characters of a name or ID number")


def progress(engine: Engine, wanted: ProgressFilter) -> ProgressOut:
    check(wanted)
    with session_scope(engine) as session:
        by_status = dict(
            session.exec(
                _scoped(select(StudentRecord.status, func.count()), wanted).group_by(StudentRecord.status)
            ).all()
        )
        counting = select(func.count()).select_from(StudentRecord)
        total = session.exec(_matching(_scoped(counting, wanted), wanted)).one()
        pages = max(1, math.ceil(total / wanted.page_size))
        page = min(max(1, wanted.page), pages)
        records = session.exec(
            _matching(_scoped(select(StudentRecord), wanted), wanted)
            .order_by(StudentRecord.batch_id, StudentRecord.source_row, StudentRecord.id)
            .offset((page - 1) * wanted.page_size)
            .limit(wanted.page_size)
        ).all()
    counts = [StatusCount(status=s.value, label=s.label, count=by_status.get(s, 0)) for s in RecordStatus]
    rows = [_row(record) for record in records]
    return ProgressOut(counts=counts, total=total, page=page, pages=pages, rows=rows)


def _row(r: StudentRecord) -> ProgressRow:
    return ProgressRow(
        record_id=r.id, batch_id=r.batch_id, name=r.name, id_number=idnumber.mask(r.id_number),
        department=r.department, major=r.major, class_name=r.class_name, status=r.status.value,
        status_label=r.status.label, updated_at=r.updated_at,
    )  # fmt: skip
