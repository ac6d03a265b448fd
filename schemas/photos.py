"""Photo intakes, the attempts they create (one per photo received for a record), and stage 1 reviews.

Originals are kept unchanged under a content-hash name; everything derived from them (the spec image,
the overlay) lives apart and names the attempt it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.intakes import FileIntake


class PhotoIntake(FileIntake, table=True):
    """One folder, zip or single photo received for a batch, and what became of its files."""

    source_name: str = Field(max_length=255, description="The folder's or zip's name, for display only.")
    flow_run_id: str | None = Field(default=None, max_length=64)


class PhotoAttempt(SQLModel, table=True):
    """One photo received for one record; a reshoot is a new attempt, earlier ones are kept."""

    __table_args__ = (UniqueConstraint("record_id", "attempt_no"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    attempt_no: int
    intake_id: int | None = Field(default=None, foreign_key="photointake.id", index=True)
    file_name: str = Field(max_length=255, description="The name the photo arrived with, for display only.")
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    original_path: str = Field(max_length=500, description="Relative to the data folder; chosen by us.")
    received_by: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow)


class AutoReview(SQLModel, table=True):
    """Stage 1's verdict on one attempt: every measure, the failing reasons, and the derived images."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="photoattempt.id", unique=True, ondelete="CASCADE")
    passed: bool
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    measurements: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    standardised: bool = Field(description="False when a spec-size photo was reviewed as it came.")
    spec_image_path: str | None = Field(default=None, max_length=500)
    overlay_path: str | None = Field(default=None, max_length=500)
    reviewed_at: datetime = Field(default_factory=utcnow)
    reviewed_by: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
