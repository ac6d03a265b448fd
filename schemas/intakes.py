"""The columns every upload of files for a batch shares (photo intakes, enrollment uploads).

Each upload table adds its own source name and links; the counts and the per-file problems are declared
here once so intakes and uploads report alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow


class FileIntake(SQLModel):
    """Who sent which files for a batch, when, and what became of each file."""

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    received_by: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow)
    total: int = 0
    accepted: int = 0
    unchanged: int = 0
    not_accepted: int = 0
    # every file that did not become a row: [{"name": ..., "reason": ..., "detail": ...}]
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON, nullable=False)
