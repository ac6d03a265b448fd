"""What institutions take away: export jobs, one-time download packages, print orders and their sub-packages.

Every deliverable is a row before it is a file: the row says who asked for what (the filters), what
became of it, and where the file is kept (relative to the data folder, under a name photoflow chose),
so any past deliverable can be listed and fetched again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.events import MoveEvent
from schemas.labels import LabelledEnum, enum_type


class ExportStatus(LabelledEnum):
    QUEUED = ("queued", "排队中", "Queued")
    PROCESSING = ("processing", "处理中", "Processing")
    DONE = ("done", "已完成", "Done")
    FAILED = ("failed", "失败", "Failed")


class ExportJob(SQLModel, table=True):
    """One Excel export of a batch's records matching filters; an export flow fills it."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    # {"status": ..., "search": ..., "department": ..., ...}: what the rows were chosen by
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: ExportStatus = Field(sa_type=enum_type(ExportStatus), index=True)
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    rows: int | None = None
    path: str | None = Field(default=None, max_length=500, description="The workbook, relative to data_dir.")
    error: str | None = Field(default=None, max_length=500)
    flow_run_id: str | None = Field(default=None, max_length=64)


class ExportJobEvent(MoveEvent, table=True):
    """One status change of an export job: who, when, from, to, why, and which flow run did it."""

    job_id: int = Field(foreign_key="exportjob.id", index=True, ondelete="CASCADE")
    from_status: ExportStatus | None = Field(default=None, sa_type=enum_type(ExportStatus))
    to_status: ExportStatus = Field(sa_type=enum_type(ExportStatus))


class DownloadPackage(SQLModel, table=True):
    """A one-time download: the information table and a zip of photos named by ID number."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    records: int
    table_path: str = Field(max_length=500)
    photos_path: str = Field(max_length=500)
    size_bytes: int
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    emailed_to: str | None = Field(default=None, max_length=254)
    email_outcome: str | None = Field(default=None, max_length=500)


class DownloadItem(SQLModel, table=True):
    """A record in a download package; unique per record, which is the once-only rule itself."""

    id: int | None = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="downloadpackage.id", index=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="studentrecord.id", unique=True, ondelete="CASCADE")
    attempt_id: int = Field(foreign_key="photoattempt.id", ondelete="CASCADE")


class PrintStatus(LabelledEnum):
    WAITING = ("waiting", "待冲印", "Waiting to print")
    PRINTING = ("printing", "冲印中", "Printing")
    SHIPPED = ("shipped", "已寄出", "Shipped")


class PrintOrder(SQLModel, table=True):
    """A print request: the batch, the filters and split, where to ship, which layout, and its status."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    # {"learning_centre": ..., "department": ..., "major": ..., "class_name": ..., "entry_year": ...}
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    split_by: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    layout: str = Field(max_length=30)
    address: str = Field(max_length=300)
    status: PrintStatus = Field(sa_type=enum_type(PrintStatus), index=True)
    photos: int = 0
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    folder: str | None = Field(default=None, max_length=500, description="Its sheets, relative to data_dir.")


class PrintSubPackage(SQLModel, table=True):
    """One sub-package of a print order: the records sharing the split's values, its sheets and manifest."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="printorder.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=300, description="The split's values, e.g. 计算机学院 / 软件2201.")
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    photos: int
    sheets: int
    sheets_path: str = Field(max_length=500)
    manifest_path: str = Field(max_length=500)


class PrintOrderEvent(SQLModel, table=True):
    """One status change of a print order: who, when, from, to."""

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="printorder.id", index=True, ondelete="CASCADE")
    from_status: PrintStatus | None = Field(default=None, sa_type=enum_type(PrintStatus))
    to_status: PrintStatus = Field(sa_type=enum_type(PrintStatus))
    actor: str = Field(max_length=100)
    note: str | None = Field(default=None, max_length=300)
    at: datetime = Field(default_factory=utcnow)
