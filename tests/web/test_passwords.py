"""The platform's password rule (8-20 characters, letters and digits, no triples, no digit runs), hashing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photoflow.accounts.passwords import (
    broken_rules,
    hash_password,
    require_good_password,
    verify_password,
)
from photoflow.errors import PhotoflowError
from schemas.reasons import PasswordRule


def test_platform_example_aaa_breaks_length_letters_and_digits_and_repeats() -> None:
    assert broken_rules("aaa") == [
        PasswordRule.LENGTH,
        PasswordRule.LETTERS_AND_DIGITS,
        PasswordRule.REPEATED_CHARACTER,
    ]


def test_platform_example_bbb123456_breaks_repeats_and_digit_run() -> None:
    assert broken_rules("bbb123456") == [PasswordRule.REPEATED_CHARACTER, PasswordRule.DIGIT_RUN]


@pytest.mark.parametrize("password", ["photo2026ok", "abcd1235", "a1b2c3d4e5f6g7h8i9j0", "Zx9-!?.@"])
def test_good_passwords_including_8_and_20_characters_break_no_rule(password: str) -> None:
    assert broken_rules(password) == []
    require_good_password(password)


@pytest.mark.parametrize("password", ["abcd123", "a1b2c3d4e5f6g7h8i9j0k"])
def test_7_and_21_characters_break_only_the_length_rule(password: str) -> None:
    assert broken_rules(password) == [PasswordRule.LENGTH]


@pytest.mark.parametrize("password", ["onlyletters", "2026081719", "密码密码密码1234", "ｐａｓｓ１２３４"])
def test_letters_and_digits_must_both_be_ascii_and_present(password: str) -> None:
    assert PasswordRule.LETTERS_AND_DIGITS in broken_rules(password)


@pytest.mark.parametrize("password", ["pw123456x", "pw345678x", "pw654321x", "x876543y", "ab987654"])
def test_six_ascending_or_descending_digits_are_a_run(password: str) -> None:
    assert PasswordRule.DIGIT_RUN in broken_rules(password)


@pytest.mark.parametrize("password", ["pw12345x6", "pw901234x", "pw109876x", "pw123454x", "pw12345"])
def test_five_steps_wrap_around_and_turns_are_not_runs(password: str) -> None:
    assert PasswordRule.DIGIT_RUN not in broken_rules(password)


def test_three_of_a_character_in_a_row_is_refused_but_two_are_fine() -> None:
    assert broken_rules("photo2001ok") == []
    assert broken_rules("photo2000ok") == [PasswordRule.REPEATED_CHARACTER]
    assert broken_rules("pass!!!word9") == [PasswordRule.REPEATED_CHARACTER]


def test_refusal_names_every_broken_rule_in_english_and_chinese() -> None:
    with pytest.raises(PhotoflowError) as refused:
        require_good_password("bbb123456")
    message = str(refused.value)
    assert message.startswith("the password breaks 2 rules:")
    for rule in (PasswordRule.REPEATED_CHARACTER, PasswordRule.DIGIT_RUN):
        assert f"{rule.en} ({rule.zh})" in message
    assert PasswordRule.LENGTH.en not in message


@settings(max_examples=300)
@given(st.text(alphabet="aAbz019-_!密 ", max_size=24))
def test_any_accepted_password_meets_every_part_of_the_rule(password: str) -> None:
    if broken_rules(password):
        return
    assert 8 <= len(password) <= 20
    assert any(c.isascii() and c.isalpha() for c in password)
    assert any(c.isascii() and c.isdigit() for c in password)
    assert all(len({a, b, c}) > 1 for a, b, c in zip(password, password[1:], password[2:], strict=False))


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = hash_password("photo2026ok")
    assert hashed.startswith("$argon2id$") and "photo2026ok" not in hashed
    assert verify_password(hashed, "photo2026ok")
    assert not verify_password(hashed, "photo2026ko")


def test_a_damaged_hash_verifies_nothing_without_raising() -> None:
    assert not verify_password("not an argon2 hash", "photo2026ok")
