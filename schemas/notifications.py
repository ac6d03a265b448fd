"""The notification outbox: messages to students, written with the change that causes them.

A message is a row before it is an email: it is queued in the transaction that rejects the photo, and
a sender delivers due rows later. If the mail server is down nothing is lost; the row waits and is
tried again with a growing delay. `message_id` is fixed when the row is written, so a receiver can
tell a resend from a new message.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.labels import LabelledEnum, enum_type


class NotificationStatus(LabelledEnum):
    PENDING = ("pending", "待发送", "Pending")
    SENT = ("sent", "已发送", "Sent")
    FAILED = ("failed", "发送失败", "Failed")
    NO_ADDRESS = ("no_address", "无邮箱", "No e-mail address")


class Notification(SQLModel, table=True):
    """One message to one student, and what became of it."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    reshoot_id: int = Field(foreign_key="reshootrequest.id", unique=True, ondelete="CASCADE")
    recipient: str | None = Field(default=None, max_length=254)
    subject: str = Field(max_length=200)
    body: str
    message_id: str = Field(max_length=200, unique=True)
    status: NotificationStatus = Field(sa_type=enum_type(NotificationStatus), index=True)
    tries: int = 0
    next_try_at: datetime = Field(default_factory=utcnow, index=True)
    claimed_until: datetime | None = Field(default=None, description="A sender is delivering it until then.")
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
