"""What commands report: pydantic models, printed as tables for people or as JSON with `--json`."""

from __future__ import annotations

from pydantic import BaseModel


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
