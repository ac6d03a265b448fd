"""The columns every move log shares (records, submissions, exports): why, who, which flow run, when.

Each event table adds the row it logs and its own from/to status columns; the shared ones are declared
here once so the logs read and store alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from schemas.clock import utcnow

REASON_CHARS = 500


def event_reason(text: str | None) -> str | None:
    """A move's reason as its event row keeps it: cut to the column's length (a summary of findings or a
    reviewer's note can run longer), None for no reason."""
    return text[:REASON_CHARS] if text else None


class MoveEvent(SQLModel):
    """One move of a row's status: the reason given, the person or process that made it, when."""

    id: int | None = Field(default=None, primary_key=True)
    reason: str | None = Field(default=None, max_length=REASON_CHARS)
    actor: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow)
