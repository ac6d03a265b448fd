"""Registry submissions: one row per record and photo sent (or to be sent) to the registry.

The row, with its idempotency key, is committed before anything goes over the wire; a retry or a rerun
after a crash sends the same key again, and the registry answers with what it already holds instead of
registering the photo twice.

A run claims the rows of a package (`claimed_by`, `claimed_until`) before it sends them, so two runs at
once never send the same row; a claim left by a run that stopped runs out at `claimed_until`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.events import MoveEvent
from schemas.labels import LabelledEnum, enum_type


class SubmissionState(LabelledEnum):
    """Where one submission stands; QUEUED and ACCEPTED are the record's 上网中."""

    QUEUED = ("queued", "待发送", "Queued")
    ACCEPTED = ("accepted", "已受理", "Accepted, awaiting the registry")
    REGISTERED = ("registered", "上网成功", "Registered")
    REJECTED = ("rejected", "上网失败", "Rejected by the registry")
    UNREACHABLE = ("unreachable", "无法连接", "Registry unreachable, gave up")


class Submission(SQLModel, table=True):
    """One photo of one record sent to the registry under one idempotency key."""

    __table_args__ = (UniqueConstraint("record_id", "attempt_id"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    attempt_id: int = Field(foreign_key="photoattempt.id", ondelete="CASCADE")
    batch_id: int = Field(foreign_key="batch.id", index=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    registry_key: str = Field(max_length=32, description="What the registry names the photo by (证件号).")
    photo_path: str = Field(max_length=500, description="The spec JPEG, relative to the data folder.")
    photo_sha256: str = Field(max_length=64)
    state: SubmissionState = Field(sa_type=enum_type(SubmissionState), index=True)
    tries: int = Field(default=0, description="Rounds of sending that failed for a transient reason.")
    next_try_at: datetime = Field(default_factory=utcnow)
    receipt: str | None = Field(default=None, max_length=100, description="The registry's receipt number.")
    reason_code: str | None = Field(default=None, max_length=50)
    reason: str | None = Field(default=None, max_length=500, description="The registry's words, or ours.")
    queued_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    queued_by: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
    claimed_by: str | None = Field(
        default=None,
        max_length=64,
        description="The sending run holding the row, or the last one if its outcome went unrecorded "
        "(whoever sends the row next asks the registry first); None: no run holds it.",
    )
    claimed_until: datetime | None = Field(
        default=None, description="When the claim runs out and another run may take the row over."
    )


class SubmissionEvent(MoveEvent, table=True):
    """One state change of a submission: who, when, from, to, why, and which flow run did it."""

    submission_id: int = Field(foreign_key="submission.id", index=True, ondelete="CASCADE")
    from_state: SubmissionState | None = Field(default=None, sa_type=enum_type(SubmissionState))
    to_state: SubmissionState = Field(sa_type=enum_type(SubmissionState))
