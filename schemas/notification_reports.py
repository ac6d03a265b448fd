"""What the outbox sender reports: one delivery run's tally, and outbox rows for an ops listing.

Recipients in these models are masked: reports are printed, logged and kept as artifacts, and an
e-mail address is personal data.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DeliveryReport(BaseModel):
    """One delivery run: what went out, what waits for a retry, what was given up."""

    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    no_address: int = 0
    still_pending: int = 0  # pending in the whole outbox after the run: retrying, not yet due, or held
    message: str | None = None  # why nothing could be sent, for people; None when the run went normally


class NoticeOut(BaseModel):
    """One outbox row as the ops listing shows it."""

    id: int
    record_id: int
    recipient: str  # masked, "" when there is none
    subject: str
    status: str
    status_label: str
    tries: int
    next_try_at: datetime
    last_error: str | None
    sent_at: datetime | None
