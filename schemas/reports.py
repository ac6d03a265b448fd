"""What commands report: pydantic models, printed as tables for people or as JSON with `--json`."""

from __future__ import annotations

from pydantic import BaseModel

from schemas.labels import LabelledEnum


class RowErrorOut(BaseModel):
    row: int
    column: str
    value: str | None
    reason: str
    reason_en: str
    code: str
    hint: str


class UploadReport(BaseModel):
    upload_id: int
    batch_id: int
    file_name: str
    institution: str
    category: str
    status: str
    status_label: str
    total: int
    succeeded: int
    failed: int
    unchanged: int
    error_message: str | None = None
    error_report: str | None = None
    errors: list[RowErrorOut]


class KeptRecord(BaseModel):
    record_id: int
    row: int
    id_number: str  # masked
    status: str
    reason: str


class DeleteReport(BaseModel):
    upload_id: int
    removed: int
    kept: list[KeptRecord]


class ContractOut(BaseModel):
    institution: str
    name: str
    category: str
    category_label: str
    price_per_photo: str
    valid_until: str
    active: bool
    delegation_letter_received: bool
    services: list[str]
    interception: bool


class FileProblemOut(BaseModel):
    """A file of an upload (photos, enrollment photos) that was not accepted: the reason and what to do."""

    name: str
    code: str
    reason: str
    reason_en: str
    detail: str

    @classmethod
    def of(cls, name: str, problem: LabelledEnum, detail: str) -> FileProblemOut:
        return cls(name=name, code=problem.value, reason=problem.zh, reason_en=problem.en, detail=detail)


class IntakeReport(BaseModel):
    intake_id: int
    batch_id: int
    source_name: str
    total: int
    accepted: int
    unchanged: int
    not_accepted: int
    problems: list[FileProblemOut]


class ReviewedAttempt(BaseModel):
    attempt_id: int
    record_id: int
    file_name: str
    passed: bool
    reasons: list[str]
    status: str


class AutoReviewReport(BaseModel):
    batch_id: int
    reviewed: int
    passed: int
    rejected: int
    already_reviewed: int
    attempts: list[ReviewedAttempt]


class PhotoIntakeOutcome(BaseModel):
    intake: IntakeReport
    review: AutoReviewReport | None


class ComparisonOut(BaseModel):
    kind: str
    kind_label: str
    outcome: str
    outcome_label: str
    score: float | None
    band: str | None
    band_label: str | None


class ComparedRecord(BaseModel):
    record_id: int
    id_number: str  # masked
    name: str
    status: str
    comparisons: list[ComparisonOut]
    waiting: str | None = None  # a ComparisonWait value when the record stays in comparison for now


class SimilarityReport(BaseModel):
    batch_id: int
    considered: int
    collected: int
    held: int
    waiting: dict[str, int]  # ComparisonWait value -> records
    duplicate_faces: int  # pairs newly flagged in this run
    records: list[ComparedRecord]


class HeldOut(BaseModel):
    record_id: int
    batch_id: int
    attempt_id: int | None  # the photo that was compared; None when no comparison was stored
    id_number: str  # masked
    name: str
    comparisons: list[ComparisonOut]
    score: float | None  # of the comparison that held the record; None when it had no score
    band: str | None
    held_since: str
    fusion_suspected: str | None = None  # the face-fusion findings, when that is why it was held


class HoldDecisionReport(BaseModel):
    decision: str
    decision_label: str
    decided: int
    skipped: list[str]  # why each asked-for record was not decided (masked ID numbers)
    records: list[int]


class DuplicateFaceOut(BaseModel):
    batch_id: int
    score: float
    first: str  # "name (masked ID number)"
    second: str
    record_a: int
    record_b: int


class PairScoreOut(BaseModel):
    photo_a: str
    photo_b: str
    score: float | None
    band: str | None
    band_label: str | None
    distance: float | None
    model: str
    model_version: str
    message: str | None = None  # why there is no score (no face in one of the photos)


class ScreenedAttempt(BaseModel):
    attempt_id: int
    record_id: int
    score: float | None  # the combined score, 0-100
    outcome: str  # a ScreeningOutcome value
    notes: list[str]  # ScreeningNote values
    tamper_flagged: bool


class ScreeningReport(BaseModel):
    batch_id: int
    screened: int
    auto_approved: int
    to_reviewer: int
    tamper_flagged: int
    attempts: list[ScreenedAttempt]
