"""Student records (one roster row each) and the event log of their status changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.enums import EducationCategory, EducationLevel, RecordStatus
from schemas.events import MoveEvent
from schemas.labels import enum_type


class StudentRecord(SQLModel, table=True):
    """A graduate in one batch; `status` is written only by `photoflow.state`."""

    __table_args__ = (UniqueConstraint("batch_id", "id_number"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    upload_id: int = Field(foreign_key="rosterupload.id", index=True)
    source_row: int = Field(description="Row number in the uploaded file.")
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=18)
    institution_code: str = Field(max_length=5)
    institution_name: str = Field(max_length=100)
    category: EducationCategory = Field(sa_type=enum_type(EducationCategory))
    level: EducationLevel = Field(sa_type=enum_type(EducationLevel))
    exam_number: str | None = Field(default=None, max_length=20)
    student_number: str | None = Field(default=None, max_length=30)
    learning_centre: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100)
    major: str | None = Field(default=None, max_length=100)
    class_name: str | None = Field(default=None, max_length=100)
    entry_year: int | None = None
    collection_code: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254, description="Where reshoot notices go.")
    status: RecordStatus = Field(sa_type=enum_type(RecordStatus), index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RecordEvent(MoveEvent, table=True):
    """One status change: who, when, from, to, why, and which flow run did it."""

    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    from_status: RecordStatus | None = Field(default=None, sa_type=enum_type(RecordStatus))
    to_status: RecordStatus = Field(sa_type=enum_type(RecordStatus))
