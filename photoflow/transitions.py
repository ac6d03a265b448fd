"""The shape every state machine shares: a table of allowed moves, and the check made before each move.

A machine's own module (`photoflow/state.py` for records, `registry/submission_state.py`,
`printing/print_state.py`, `exports/export_state.py`, `notify/notice_state.py`) holds its table, and
its functions apply a move and write the event row in the same transaction; no other module assigns
that status. `None` as a from-status is the row not existing yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlmodel import Session

from photoflow.errors import IllegalTransitionError
from schemas.ids import stored_id
from schemas.labels import LabelledEnum

StatusT = TypeVar("StatusT", bound=LabelledEnum)


class _Row(Protocol):
    id: int | None


RowT = TypeVar("RowT", bound=_Row)


@dataclass(frozen=True)
class Moves(Generic[StatusT]):
    """Which statuses each status may move to; `noun` names the rows in a refusal ("export 7: ...")."""

    noun: str
    allowed: Mapping[StatusT | None, frozenset[StatusT]]

    def can_move(self, current: StatusT | None, target: StatusT) -> bool:
        return target in self.allowed.get(current, frozenset())

    def require(self, current: StatusT | None, target: StatusT, row_id: int | None) -> None:
        """Refuse a move the table forbids, naming the row and both statuses."""
        if not self.can_move(current, target):
            shown = current.label if current else "(new)"
            raise IllegalTransitionError(
                f"{self.noun} {row_id}: {shown} -> {target.label} is not an allowed move"
            )

    def final(self) -> frozenset[StatusT]:
        """The statuses nothing moves on from."""
        return frozenset(status for status, to in self.allowed.items() if status is not None and not to)


def opened(session: Session, row: RowT, first_event: Callable[[int], object]) -> RowT:
    """`row`, new in its first status, stored with the event of that status in the caller's transaction.

    The row is flushed first: its event points at it by id.
    """
    session.add(row)
    session.flush()
    session.add(first_event(stored_id(row)))
    return row
