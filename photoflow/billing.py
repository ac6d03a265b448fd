"""The billing summary: the contract's price times the photos collected, per institution, category and month.

A student is billed once, in the month (China time) their record first reached 采集完成: a reshoot
after that, or the registration that follows, is the same photo job. Counts come from the event log,
so a summary for a past month does not change when records move on.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func
from sqlmodel import col, select

from photoflow.errors import PhotoflowError
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.institutions import Contract, Institution
from schemas.print_reports import BillingLine, BillingOut
from schemas.records import RecordEvent, StudentRecord

CHINA = ZoneInfo("Asia/Shanghai")


def billing(
    engine: Engine, *, institution_code: str | None = None, start: date | None = None, end: date | None = None
) -> BillingOut:
    """Lines per institution, category and month for photos first collected from `start` to `end`
    (inclusive, China dates); every line priced by its contract."""
    if start and end and start > end:
        raise PhotoflowError(f"the period {start} to {end} is empty: swap the dates")
    first = (
        select(col(RecordEvent.record_id), func.min(RecordEvent.at).label("at"))
        .where(RecordEvent.to_status == RecordStatus.COLLECTED)
        .group_by(col(RecordEvent.record_id))
        .subquery()
    )
    statement = select(col(StudentRecord.institution_code), col(StudentRecord.category), first.c.at).join(
        first, first.c.record_id == StudentRecord.id
    )
    if institution_code:
        statement = statement.where(StudentRecord.institution_code == institution_code)
    if start:
        statement = statement.where(first.c.at >= datetime.combine(start, time(), CHINA))
    if end:
        statement = statement.where(first.c.at < datetime.combine(end + timedelta(days=1), time(), CHINA))
    with session_scope(engine) as session:
        counts = Counter((code, category, _month(at)) for code, category, at in session.exec(statement).all())
        prices = {(c.institution_code, c.category): c.price_per_photo for c in session.exec(select(Contract))}
        names = dict(session.exec(select(Institution.code, Institution.name)).all())
    lines = [
        _line(code, names.get(code, ""), category, period, photos, prices.get((code, category), Decimal(0)))
        for (code, category, period), photos in sorted(counts.items())
    ]
    return BillingOut(
        lines=lines,
        total_photos=sum(line.photos for line in lines),
        total_amount=sum((line.amount for line in lines), Decimal(0)),
    )


def _month(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))
    return f"{aware.astimezone(CHINA):%Y-%m}"


def _line(
    code: str, name: str, category: EducationCategory, period: str, photos: int, price: Decimal
) -> BillingLine:
    return BillingLine(
        institution_code=code,
        institution_name=name,
        category=category.value,
        category_label=category.label,
        period=period,
        photos=photos,
        price_per_photo=price,
        amount=price * photos,
    )
