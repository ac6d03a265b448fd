"""What print orders and billing report, printed as tables for people or as JSON with `--json`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel


class SubPackageOut(BaseModel):
    id: int
    name: str
    values: dict[str, Any]
    photos: int
    sheets: int
    sheets_path: str  # absolute
    manifest_path: str  # absolute


class PrintOrderOut(BaseModel):
    id: int
    batch_id: int
    layout: str
    layout_label: str
    filters: dict[str, Any]
    split_by: list[str]
    address: str
    status: str
    status_label: str
    photos: int
    requested_by: str
    requested_at: datetime
    sub_packages: list[SubPackageOut]


class BillingLine(BaseModel):
    institution_code: str
    institution_name: str
    category: str
    category_label: str
    period: str  # YYYY-MM, in China time
    photos: int
    price_per_photo: Decimal
    amount: Decimal


class BillingOut(BaseModel):
    lines: list[BillingLine]
    total_photos: int
    total_amount: Decimal
