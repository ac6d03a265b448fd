"""The one shape of a reason code: a stored value, a Chinese and an English message, and a fix hint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.labels import LabelledEnum


class ReasonEnum(LabelledEnum):
    """Members are declared as `NAME = ("value", "中文", "English", "what to do")`.

    The value is what the database and the JSON reports store, so it never changes; the messages and
    the hint may be reworded at any time. The hint tells the person who can fix it (a student taking
    the photo again, an admin correcting a roster, a reviewer judging a finding) what to do.
    """

    hint: str

    def __new__(cls, value: str, zh: str, en: str, hint: str) -> ReasonEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        member.hint = hint
        return member

    if TYPE_CHECKING:
        # As in LabelledEnum: calling the class looks a member up by value (`PhotoReason("blurred")`).
        def __init__(self, value: str) -> None: ...
