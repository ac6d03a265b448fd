"""What registry submission runs report, printed as tables for people or as JSON with `--json`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SubmissionRound(BaseModel):
    """One pass of a submission run: queue the collected, send what is due, apply the answers."""

    queued: int = 0
    sent: int = 0
    accepted: int = 0
    registered: int = 0
    rejected: int = 0
    unreachable: int = 0
    requeued: int = 0
    problems: list[str] = Field(default_factory=list)
    registry_error: str | None = None

    def add(self, other: SubmissionRound) -> SubmissionRound:
        counts = {name: getattr(self, name) + getattr(other, name) for name in COUNTS}
        return SubmissionRound(
            **counts,
            problems=self.problems + other.problems,
            registry_error=other.registry_error or self.registry_error,
        )


COUNTS = ("queued", "sent", "accepted", "registered", "rejected", "unreachable", "requeued")


class SubmissionOut(BaseModel):
    record_id: int
    id_number: str  # masked
    name: str
    attempt_no: int
    state: str
    state_label: str
    tries: int
    receipt: str | None
    reason: str | None
    queued_at: str
    answered_at: str | None


class SubmissionReport(BaseModel):
    """Where a batch's submissions stand after a run: the run's counts and every state's total."""

    batch_id: int | None
    run: SubmissionRound
    states: dict[str, int]
    pending: int
    held: int = Field(default=0, description="Queued submissions a sending run holds (this one or another).")
    held_until: datetime | None = Field(default=None, description="When the last of those claims runs out.")
