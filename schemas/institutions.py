"""Institutions and the contracts the provider signs with them (one per education category)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.enums import EducationCategory
from schemas.labels import enum_type


class Institution(SQLModel, table=True):
    """A university or college, keyed by its 5-digit ministry code (院校代码)."""

    code: str = Field(primary_key=True, max_length=5)
    name: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class Contract(SQLModel, table=True):
    """The service agreement for one institution and category; roster ingestion needs an active one."""

    __table_args__ = (UniqueConstraint("institution_code", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", max_length=5, index=True)
    category: EducationCategory = Field(sa_type=enum_type(EducationCategory))
    price_per_photo: Decimal = Field(sa_column=Column(Numeric(10, 2), nullable=False))
    valid_until: date
    delegation_letter_received: bool = False
    id_registry_comparison: bool = False
    enrollment_comparison: bool = False
    interception: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def is_active(self, today: date) -> bool:
        return self.valid_until >= today
