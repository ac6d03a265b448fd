"""The columns every move log shares (records, submissions, exports): why, who, which flow run, when.

Each event table adds the row it logs and its own from/to status columns; the shared ones are declared
here once so the logs read and store alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from schemas.clock import utcnow


class MoveEvent(SQLModel):
    """One move of a row's status: the reason given, the person or process that made it, when."""

    id: int | None = Field(default=None, primary_key=True)
    reason: str | None = Field(default=None, max_length=500)
    actor: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow)
