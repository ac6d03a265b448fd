"""What commands report: pydantic models, printed as tables for people or as JSON with `--json`."""

from __future__ import annotations

from pydantic import BaseModel

from schemas.photo_reasons import IntakeProblem


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


class IntakeProblemOut(BaseModel):
    """A received file that did not become a photo attempt."""

    name: str
    code: str
    reason: str
    reason_en: str
    detail: str

    @classmethod
    def of(cls, name: str, problem: IntakeProblem, detail: str) -> IntakeProblemOut:
        return cls(name=name, code=problem.value, reason=problem.zh, reason_en=problem.en, detail=detail)


class IntakeReport(BaseModel):
    intake_id: int
    batch_id: int
    source_name: str
    total: int
    accepted: int
    unchanged: int
    not_accepted: int
    problems: list[IntakeProblemOut]


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
