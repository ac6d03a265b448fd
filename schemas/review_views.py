"""What the manual queue shows a reviewer: queue counts and one item with everything needed to decide."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class QueueCounts(BaseModel):
    waiting: int  # undecided and free to claim
    held_by_me: int
    held_by_others: int
    on_time: int  # undecided, by age against the SLA
    due: int
    overdue: int
    decided_by_me_today: int


class FindingOut(BaseModel):
    """One stage 1 measure as the reviewer sees it."""

    measure: str
    label: str
    value: float | None
    low: float | None
    high: float | None
    passed: bool


class ScreeningView(BaseModel):
    """What screening found before the photo reached the reviewer: its scores and any signs of editing."""

    score: float | None  # the combined score, 0-100
    scores: dict[str, float]  # ApprovalInterface label -> score
    notes: list[str]  # labels: why it came to a reviewer
    tamper_score: float | None
    tamper_flagged: bool
    tamper_findings: list[str]  # label: detail


class ReviewItemOut(BaseModel):
    review_id: int
    record_id: int
    attempt_id: int
    attempt_no: int
    name: str
    id_number: str  # masked
    institution: str
    batch_id: int
    department: str | None
    major: str | None
    class_name: str | None
    file_name: str  # ID numbers in it masked (photos arrive named by ID number)
    entered_at: datetime
    age_hours: float
    sla: str
    sla_label: str
    lease_expires_at: datetime | None
    has_overlay: bool
    findings: list[FindingOut]
    screening: ScreeningView | None = None
    earlier_rejections: list[str]  # reasons given to this record's earlier attempts, newest first
