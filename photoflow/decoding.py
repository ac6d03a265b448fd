"""Bytes from outside whose encoding nobody stated (zip member names, CSV rosters) read as text."""

from __future__ import annotations

from collections.abc import Sequence


def first_decoding(raw: bytes, encodings: Sequence[str]) -> str | None:
    """`raw` decoded by the first of `encodings` it is valid in (the likeliest first); None if in none."""
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
