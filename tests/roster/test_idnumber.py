"""GB 11643 ID numbers: normalising, check characters, birth dates, Excel's damage, masking."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photoflow import idnumber
from photoflow.sandbox.sample_rosters import synthetic_id_number

TODAY = date(2026, 11, 22)
STANDARD_EXAMPLE = "11010519491231002X"  # the worked example of GB 11643-1999


def with_check_char(first17: str) -> str:
    return first17 + idnumber.check_char(first17)


def test_standard_example_has_check_char_x() -> None:
    assert idnumber.check_char(STANDARD_EXAMPLE[:17]) == "X"
    assert idnumber.has_valid_checksum(STANDARD_EXAMPLE)


def test_wrong_check_char_fails_checksum() -> None:
    assert not idnumber.has_valid_checksum(STANDARD_EXAMPLE[:17] + "0")
    assert not idnumber.has_valid_checksum(STANDARD_EXAMPLE[:17] + "1")


@pytest.mark.parametrize(
    "malformed",
    [
        STANDARD_EXAMPLE[:17],  # 17 characters
        STANDARD_EXAMPLE + "0",  # 19 characters
        STANDARD_EXAMPLE[:17] + "x",  # not normalised yet
        "1101051949123100AX",  # a letter among the digits
        "",
    ],
)
def test_malformed_id_fails_checksum_without_raising(malformed: str) -> None:
    assert not idnumber.has_valid_checksum(malformed)


def test_lower_case_x_is_normalised_to_upper_case() -> None:
    assert idnumber.normalise("11010519491231002x") == STANDARD_EXAMPLE
    assert idnumber.has_valid_checksum(idnumber.normalise("11010519491231002x"))


def test_full_width_digits_and_spaces_are_normalised() -> None:
    full_width = "１１０１０５ １９４９１２３１ ００２ｘ"
    assert idnumber.normalise(full_width) == STANDARD_EXAMPLE


def test_surrounding_and_inner_whitespace_is_removed() -> None:
    assert idnumber.normalise(" 110105 19491231\t002X\n") == STANDARD_EXAMPLE


def test_birth_date_is_read_from_digits_7_to_14() -> None:
    assert idnumber.birth_date(STANDARD_EXAMPLE) == date(1949, 12, 31)
    assert idnumber.has_real_birth_date(STANDARD_EXAMPLE, TODAY)


def test_february_30_is_not_a_real_birth_date_even_with_a_valid_check_char() -> None:
    feb_30 = with_check_char("11010519990230123")
    assert idnumber.has_valid_checksum(feb_30)
    assert idnumber.birth_date(feb_30) is None
    assert not idnumber.has_real_birth_date(feb_30, TODAY)


@pytest.mark.parametrize("digits", ["19991301", "19990001", "19990100", "00000000"])
def test_impossible_calendar_dates_are_not_real_birth_dates(digits: str) -> None:
    assert not idnumber.has_real_birth_date(with_check_char(f"110105{digits}123"), TODAY)


def test_future_birth_date_is_not_real() -> None:
    tomorrow = with_check_char("11010520261123123")
    assert idnumber.birth_date(tomorrow) == date(2026, 11, 23)
    assert not idnumber.has_real_birth_date(tomorrow, TODAY)


def test_birth_today_is_real_but_before_1900_is_not() -> None:
    assert idnumber.has_real_birth_date(with_check_char("11010520261122123"), TODAY)
    assert idnumber.has_real_birth_date(with_check_char("11010519000101123"), TODAY)
    assert not idnumber.has_real_birth_date(with_check_char("11010518991231123"), TODAY)


@pytest.mark.parametrize("shown", ["1.30121E+17", "1.30121e+17", "1.30121E17", "130121E+17", "1E+17"])
def test_excel_scientific_notation_is_recognised(shown: str) -> None:
    assert idnumber.looks_like_excel_number(shown)


@pytest.mark.parametrize(
    "text", [STANDARD_EXAMPLE, "110105194912310021", "1.30121", "E+17", "1.30121E-17", ""]
)
def test_ordinary_ids_and_other_text_are_not_excel_numbers(text: str) -> None:
    assert not idnumber.looks_like_excel_number(text)


def test_mask_keeps_the_region_and_last_four_and_hides_the_birth_date() -> None:
    masked = idnumber.mask(STANDARD_EXAMPLE)
    assert masked == STANDARD_EXAMPLE[:6] + "*" * 8 + "002X"
    assert len(masked) == len(STANDARD_EXAMPLE)


@pytest.mark.parametrize(
    ("raw", "masked"), [(None, ""), ("", ""), ("1234567890", "*" * 10), ("12345678901", "123456*8901")]
)
def test_mask_of_short_or_missing_values_reveals_nothing_extra(raw: str | None, masked: str) -> None:
    assert idnumber.mask(raw) == masked


@settings(database=None)  # keep the example database out of the repository
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
)
def test_every_synthetic_id_passes_checksum_and_has_a_real_birth_date(seed: int, born: date) -> None:
    id_number = synthetic_id_number(random.Random(seed), born)
    assert idnumber.SHAPE.match(id_number)
    assert idnumber.has_valid_checksum(id_number)
    assert idnumber.birth_date(id_number) == born
    assert idnumber.has_real_birth_date(id_number, TODAY)


@settings(database=None)  # keep the example database out of the repository
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_of_the_first_17_breaks_the_checksum(
    seed: int, born: date, position: int, shift: int
) -> None:
    id_number = synthetic_id_number(random.Random(seed), born)
    changed_digit = str((int(id_number[position]) + shift) % 10)
    changed = id_number[:position] + changed_digit + id_number[position + 1 :]
    assert changed != id_number
    assert not idnumber.has_valid_checksum(changed)


def test_id_numbers_are_masked_wherever_they_stand_in_a_sentence():
    text = "GET /photos/11010119900307451x failed; bad file 'a/110101900307451.jpg' (row 12345)"
    masked = idnumber.mask_in_text(text)
    assert masked == "GET /photos/110101********451x failed; bad file 'a/110101*****7451.jpg' (row 12345)"
