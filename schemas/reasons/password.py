"""The parts of the platform's password rule, as reasons a password is refused.

`photoflow.accounts.passwords` quotes the rule and checks a password against it.
"""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class PasswordRule(ReasonEnum):
    """One part of the platform's rule, labelled as the person choosing a password should read it."""

    LENGTH = (
        "length",
        "密码长度必须在8-20位之间",
        "8 to 20 characters",
        "Choose a password of 8 to 20 characters.",
    )
    LETTERS_AND_DIGITS = (
        "letters_and_digits",
        "密码必须同时包含字母和数字",
        "both letters and digits",
        "Use at least one letter (a-z, A-Z) and one digit (0-9).",
    )
    REPEATED_CHARACTER = (
        "repeated_character",
        "不能出现连续三位相同字符",
        "no character three times in a row",
        "Change one of any three identical characters in a row, such as aaa.",
    )
    DIGIT_RUN = (
        "digit_run",
        "不能出现连续6位递增或递减的数字",
        "no run of six ascending or descending digits",
        "Break up digits that count up or down, such as 123456 or 654321.",
    )
