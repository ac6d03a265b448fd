"""A string enum whose members carry a Chinese and an English label, for screens and reports."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self

import sqlalchemy as sa


class LabelledEnum(StrEnum):
    """Members are declared as `NAME = ("value", "中文", "English")`; the stored value is the first item."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str, en: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    if TYPE_CHECKING:
        # Calling the class looks a member up by its value (`RecordStatus("held")`); `__new__` only
        # builds the members when the class is made. Said for the type checker, which reads a call
        # against `__new__` otherwise; at run time there is no `__init__` here.
        def __init__(self, value: str) -> None: ...

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Find a member by its value, Chinese label or English label (case-insensitive)."""
        wanted = text.strip()
        for member in cls:
            if wanted in (member.value, member.zh) or wanted.lower() == member.en.lower():
                return member
        choices = ", ".join(f"{m.value} ({m.zh})" for m in cls)
        raise ValueError(f"'{text}' is not one of: {choices}")


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """Store an enum's values (not its names) as VARCHAR, with no database enum type to migrate."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
    )
