"""The platform's password rule, and argon2id hashing so that the database never holds a password.

The rule is the platform's own: "密码长度必须在8-20位长度之间；密码必须同时包含字母数字并且不能出现连续三位
字符或连续6位递增、递减的数字". Its examples of bad passwords are `aaa` and `bbb123456`. Every broken rule
is named at once, so that a person fixes the password in one go instead of one refusal at a time.
"""

from __future__ import annotations

import re
import string
from itertools import pairwise

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from photoflow.errors import PhotoflowError
from schemas.reasons import PasswordRule

MIN_LENGTH = 8
MAX_LENGTH = 20
REPEATED = re.compile(r"(.)\1\1", re.DOTALL)  # any character three times in a row
DIGIT_RUN_LENGTH = 6  # this many digits stepping up or down by one is refused

ASCII_LETTERS = frozenset(string.ascii_letters)
ASCII_DIGITS = frozenset(string.digits)

_hasher = PasswordHasher()  # argon2id with the library's recommended cost


def _has_digit_run(password: str) -> bool:
    """Six digits in a row, each one more (123456) or each one less (654321) than the one before.

    There is no wrap-around: 901234 is not a run, since 0 does not follow 9 on a keypad or a number line.
    """
    for start in range(len(password) - DIGIT_RUN_LENGTH + 1):
        window = password[start : start + DIGIT_RUN_LENGTH]
        if not set(window) <= ASCII_DIGITS:
            continue
        steps = {int(b) - int(a) for a, b in pairwise(window)}
        if steps in ({1}, {-1}):
            return True
    return False


def broken_rules(password: str) -> list[PasswordRule]:
    """The rules the password breaks, in the platform's order; an empty list means it is acceptable.

    Letters and digits are ASCII only: a Chinese character or a full-width digit does not count, since
    the platform's rule means what a keyboard types.
    """
    broken = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        broken.append(PasswordRule.LENGTH)
    if not (ASCII_LETTERS & set(password) and ASCII_DIGITS & set(password)):
        broken.append(PasswordRule.LETTERS_AND_DIGITS)
    if REPEATED.search(password):
        broken.append(PasswordRule.REPEATED_CHARACTER)
    if _has_digit_run(password):
        broken.append(PasswordRule.DIGIT_RUN)
    return broken


def require_good_password(password: str) -> None:
    """Refuse a password that breaks any rule, naming every rule it breaks in English and Chinese."""
    broken = broken_rules(password)
    if broken:
        rules = "; ".join(f"{rule.en} ({rule.zh})" for rule in broken)
        count = "the rule" if len(broken) == 1 else f"{len(broken)} rules"
        raise PhotoflowError(f"the password breaks {count}: {rules}")


def hash_password(password: str) -> str:
    """An argon2id hash with its own salt and cost parameters, as the account table stores it."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches; False (never an exception) for a wrong password or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
