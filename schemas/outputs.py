"""Report models filled from table rows: the columns they share by name are copied, the rest computed.

A report model (`...Out`, `...Report`) repeats most of its table's columns under the same names; a
builder that names only what it computes (the id, labels, masked or absolute values, children) says
what differs from the row, and a column renamed on one side fails at once instead of going stale.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

OutT = TypeVar("OutT", bound=BaseModel)


def from_row(out: type[OutT], row: object, **computed: Any) -> OutT:
    """`out` with `computed` as given and every other field read from `row`'s attribute of that name."""
    copied = {name: getattr(row, name) for name in out.model_fields if name not in computed}
    return out(**copied, **computed)
