"""Collection batches and the roster files uploaded into them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.enums import EducationCategory, UploadStatus
from schemas.labels import enum_type
from schemas.reasons import RosterProblem


class Batch(SQLModel, table=True):
    """One institution + one education category (+ optionally one learning centre): the unit of work."""

    __table_args__ = (UniqueConstraint("institution_code", "category", "learning_centre"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", max_length=5, index=True)
    category: EducationCategory = Field(sa_type=enum_type(EducationCategory))
    learning_centre: str = Field(default="", max_length=100, description="Empty when the batch has none.")
    created_at: datetime = Field(default_factory=utcnow)


class RosterUpload(SQLModel, table=True):
    """One roster file as received: where it is kept, who sent it, and what came of its rows."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    file_name: str = Field(max_length=255, description="The uploader's file name, for display only.")
    stored_path: str = Field(max_length=500, description="Relative to the data folder; chosen by us.")
    sha256: str = Field(max_length=64)
    size_bytes: int
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow)
    flow_run_id: str | None = Field(default=None, max_length=64)
    status: UploadStatus = Field(sa_type=enum_type(UploadStatus))
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    unchanged: int = 0
    error_message: str | None = Field(default=None, description="Why the whole file was refused.")
    error_report_path: str | None = Field(default=None, max_length=500)
    deleted_at: datetime | None = None
    deleted_by: str | None = Field(default=None, max_length=100)


class RosterRowError(SQLModel, table=True):
    """One refused cell of an upload: row as Excel numbers it, column header, the value, and why."""

    id: int | None = Field(default=None, primary_key=True)
    upload_id: int = Field(foreign_key="rosterupload.id", index=True)
    row: int
    column: str = Field(max_length=20)
    value: str | None = Field(default=None, max_length=200)
    problem: RosterProblem = Field(sa_type=enum_type(RosterProblem))
    detail: str = Field(default="", max_length=500)
