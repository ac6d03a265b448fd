"""The primary key of a stored row as an `int`.

SQLModel types an autoincrement key `int | None` because a new row has none until it is flushed; a
row read from the database, or flushed, always has one. `stored_id` and `stored_ids` say so where an
expression needs the `int` (a comprehension, a dict key, the ids a query returns), so the type checker
need not be told to look away.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class _Keyed(Protocol):
    id: int | None


def stored_id(row: _Keyed) -> int:
    """`row.id`; a row never flushed is a bug, so it raises instead of passing None on."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add it to the session and flush first")
    return row.id


def stored_ids(ids: Iterable[int | None]) -> list[int]:
    """Primary keys read back by a query (`select(Model.id)`), typed `int | None` like the column."""
    found: list[int] = []
    for key in ids:
        if key is None:
            raise ValueError("a primary key read from the database is NULL")
        found.append(key)
    return found
