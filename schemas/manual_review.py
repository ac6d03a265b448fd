"""Stage 2: one manual review per attempt that passed stage 1, with its lease and its decision.

The row is created when the record enters the manual queue, so its age (for the 1-3 day SLA) and
whoever holds it are facts in the database, not in a reviewer's browser.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.labels import LabelledEnum, enum_type


class ManualDecision(LabelledEnum):
    APPROVED = ("approved", "审核通过", "Approved")
    REJECTED = ("rejected", "审核不通过", "Rejected")


class DecisionSource(LabelledEnum):
    """How a queue row was decided. Only a reviewer's decision in the queue is a person's judgement of
    the photo: the ops override approves whatever it is given, and auto-approval is screening's own."""

    QUEUE = ("queue", "审核员在队列中决定", "A reviewer in the queue")
    OPS_OVERRIDE = ("ops_override", "运维批量通过", "Ops override (manual approve)")
    AUTO_APPROVAL = ("auto_approval", "自动通过", "Auto-approval")


class ManualReview(SQLModel, table=True):
    """An attempt in the manual queue: who holds it until when, and what was decided by whom."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="photoattempt.id", unique=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    batch_id: int = Field(foreign_key="batch.id", index=True)
    entered_at: datetime = Field(default_factory=utcnow, index=True)
    holder: str | None = Field(default=None, max_length=50, description="The reviewer holding the lease.")
    lease_expires_at: datetime | None = None
    decision: ManualDecision | None = Field(default=None, sa_type=enum_type(ManualDecision), index=True)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = None
    decided_via: DecisionSource | None = Field(
        default=None, sa_type=enum_type(DecisionSource), description="Queue, ops override or auto-approval."
    )


class SlaState(LabelledEnum):
    """How an item's age in the manual queue stands against the 1-3 day review promise."""

    ON_TIME = ("on_time", "未到期", "On time")
    DUE = ("due", "即将超时", "Due")
    OVERDUE = ("overdue", "已超时", "Overdue")
