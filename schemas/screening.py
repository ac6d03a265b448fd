"""Screening before the manual queue, the weights it uses, and face-fusion suspicions in comparison.

Every photo that passes stage 1 is screened: each automated interface (the quality review, the
similarity score, the tamper score) scores it 0-100, the scores are combined with weights learnt from
how often human review confirmed each interface, and a photo above the ops-set threshold is approved
without a reviewer. The weights are recomputed from history on a schedule; each computation is a row,
so a screening names the weights it used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.labels import LabelledEnum, enum_type


class ApprovalInterface(LabelledEnum):
    """An automated check whose score counts towards auto-approval (the patent's 图片处理接口)."""

    QUALITY = ("quality", "质量审核", "Quality review")
    SIMILARITY = ("similarity", "相似度比对", "Similarity score")
    TAMPER = ("tamper", "篡改检测", "Tamper detection")


class ScreeningOutcome(LabelledEnum):
    AUTO_APPROVED = ("auto_approved", "自动通过", "Auto-approved")
    TO_REVIEWER = ("to_reviewer", "转人工审核", "Sent to a reviewer")


class ScreeningNote(LabelledEnum):
    """Why a screened photo still goes to a reviewer; several may apply."""

    OFF = ("off", "未启用自动通过", "Auto-approval is off (no threshold set)")
    NO_WEIGHTS = ("no_weights", "尚无足够的历史审核数据", "Not enough reviewed history for weights yet")
    BELOW_THRESHOLD = ("below_threshold", "综合得分低于阈值", "Combined score below the threshold")
    TAMPER_SUSPECTED = ("tamper_suspected", "疑似经过修图或篡改", "Signs of editing found")
    SIMILARITY_WAITING = (
        "similarity_waiting",
        "比对参照照片尚未就绪",
        "The reference photo for comparison is not there yet",
    )
    NOT_SAME_PERSON = ("not_same_person", "比对未达到同一人", "Comparison below 'same person'")
    HELD_BY_REVIEWER = ("held_by_reviewer", "审核员已领取", "A reviewer already holds it")


class ApprovalWeights(SQLModel, table=True):
    """One computation of the interfaces' success rates from past human decisions, and its check.

    `rates` maps interface -> {"rate", "agreed", "total"} on the training slice; the held-back slice
    (a fixed share of attempts, chosen by attempt id) measures how often auto-approval at the
    threshold of the time would have disagreed with the humans.
    """

    id: int | None = Field(default=None, primary_key=True)
    computed_at: datetime = Field(default_factory=utcnow, index=True)
    computed_by: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)
    decided: int = Field(description="Screened attempts reviewers decided in the queue, both slices.")
    rates: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    threshold: float | None = Field(default=None, description="The threshold the check was made at.")
    held_back: int = 0
    held_back_auto: int = Field(default=0, description="Held-back attempts auto-approval would approve.")
    held_back_disagree: int = Field(default=0, description="Of those, the ones the humans rejected.")
    held_back_missed: int = Field(
        default=0, description="Held-back attempts the humans approved that would still go to a reviewer."
    )


class Screening(SQLModel, table=True):
    """One attempt's interface scores, the combined score and where the photo went.

    Redone while it is incomplete (a reference photo still missing) and the photo is still in the
    queue; `scores` holds what each interface said, `tamper` the tamper check's findings.
    """

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="photoattempt.id", unique=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    batch_id: int = Field(foreign_key="batch.id", index=True)
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    weights: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    weights_id: int | None = Field(default=None, foreign_key="approvalweights.id")
    score: float | None = Field(default=None, description="The weighted mean of the scores, 0-100.")
    threshold: float | None = None
    outcome: ScreeningOutcome = Field(sa_type=enum_type(ScreeningOutcome), index=True)
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    complete: bool = Field(description="Every interface the contract needs has a score.")
    tamper: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    screened_at: datetime = Field(default_factory=utcnow)
    screened_by: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)


class FusionSuspicion(SQLModel, table=True):
    """Stage 3's face-fusion check of one attempt: flagged or not, and the findings."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="photoattempt.id", unique=True, ondelete="CASCADE")
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    flagged: bool = Field(index=True)
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    nearest_other_record: int | None = None
    nearest_other_score: float | None = None
    checked_at: datetime = Field(default_factory=utcnow)
    flow_run_id: str | None = Field(default=None, max_length=64)
