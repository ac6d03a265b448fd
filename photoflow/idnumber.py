"""Chinese resident ID numbers (GB 11643-1999): normalising, checking, and masking for logs."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^\d{17}[0-9X]$")
# What Excel shows for a long number typed into a General cell: 1.30121E+17 and friends.
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$")
EARLIEST_BIRTH = date(1900, 1, 1)
# A run of 15 or more digits, maybe ending in X: an ID number (or a mistyped one) wherever it appears.
ID_IN_TEXT = re.compile(r"\d{14,}[\dXx]")


def normalise(raw: str) -> str:
    """Full-width digits to ASCII, spaces out, a lower-case check character x to X."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def has_valid_checksum(id_number: str) -> bool:
    return bool(SHAPE.match(id_number)) and check_char(id_number[:17]) == id_number[17]


def birth_date(id_number: str) -> date | None:
    """The birth date in digits 7-14, or None when those digits are not a calendar date."""
    digits = id_number[6:14]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def has_real_birth_date(id_number: str, today: date) -> bool:
    born = birth_date(id_number)
    return born is not None and EARLIEST_BIRTH <= born <= today


def looks_like_excel_number(text: str) -> bool:
    return bool(SCIENTIFIC.match(text.upper()))


def mask(id_number: str | None) -> str:
    """Keep the first 6 (the region) and last 4 characters, as ops and the registry's own screens do:
    enough to tell records apart in a log, not to identify anyone (the birth date is hidden)."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_in_text(text: str) -> str:
    """`text` with every ID-number-like run masked: for sentences and log lines built from file names,
    URLs or other libraries' messages, where an ID number can appear anywhere."""
    return ID_IN_TEXT.sub(lambda found: mask(found.group()), text)
