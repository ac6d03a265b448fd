"""Reshoot requests: why a student must take a new photo, and the hints that say how.

Every rejection (stage 1, a reviewer, an admin's decision on a held record, the registry) writes one
row here in the same transaction as the record's move to 待重拍, so the reasons a student is told and
the count of their rejected attempts are facts in the database, not text in an event log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.labels import LabelledEnum, enum_type


class ReshootSource(LabelledEnum):
    """Which stage rejected the photo."""

    AUTO_REVIEW = ("auto_review", "自动审核", "Automatic review")
    MANUAL_REVIEW = ("manual_review", "人工审核", "Manual review")
    HELD = ("held", "比对拦截", "Comparison hold")
    REGISTRY = ("registry", "学信网", "Registry")


class ReshootRequest(SQLModel, table=True):
    """One rejected attempt: the stage, the reasons with their fix hints, and who rejected it."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    attempt_id: int | None = Field(
        default=None, foreign_key="photoattempt.id", unique=True, ondelete="CASCADE"
    )
    attempt_no: int = Field(description="Which of the student's attempts was rejected (1 = the first).")
    source: ReshootSource = Field(sa_type=enum_type(ReshootSource))
    # [{"code": ..., "zh": ..., "en": ..., "hint": ...}], in the order the stage gave them
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_by: str = Field(max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, index=True)
    flow_run_id: str | None = Field(default=None, max_length=64)
