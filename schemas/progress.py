"""The progress view: how a batch's records stand, and the records matching a filter."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class StatusCount(BaseModel):
    status: str
    label: str
    count: int


class ProgressRow(BaseModel):
    record_id: int
    batch_id: int
    name: str
    id_number: str  # masked
    department: str | None
    major: str | None
    class_name: str | None
    status: str
    status_label: str
    updated_at: datetime


class ProgressOut(BaseModel):
    counts: list[StatusCount]  # every status, in the order a record moves through them
    total: int  # records matching the filter
    page: int
    pages: int
    rows: list[ProgressRow]
