"""The state machine of print orders; nothing else assigns an order's status.

An order moves 待冲印 -> 冲印中 -> 已寄出, one step at a time; each move is checked against `ALLOWED`
and leaves a `PrintOrderEvent` row in the same transaction as the move.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from photoflow.errors import IllegalTransitionError
from photoflow.transitions import Moves, opened
from schemas.deliverables import PrintOrder, PrintOrderEvent
from schemas.deliverables import PrintStatus as P
from schemas.ids import stored_id

# from-status (None: the order does not exist yet) -> statuses it may move to
ALLOWED: Mapping[P | None, frozenset[P]] = {
    None: frozenset({P.WAITING}),
    P.WAITING: frozenset({P.PRINTING}),
    P.PRINTING: frozenset({P.SHIPPED}),
    P.SHIPPED: frozenset(),
}
MOVES = Moves("print order", ALLOWED)


def open_order(session: Session, *, actor: str, **fields: Any) -> PrintOrder:
    """A new order (待冲印) and its first event, in the caller's transaction."""
    MOVES.require(None, P.WAITING, None)
    order = PrintOrder(**fields, status=P.WAITING, requested_by=actor)
    return opened(
        session, order, lambda order_id: PrintOrderEvent(order_id=order_id, to_status=P.WAITING, actor=actor)
    )


def move(session: Session, order: PrintOrder, target: P, *, actor: str, note: str = "") -> PrintOrderEvent:
    """Move one (locked) order a step and log the move; refused, saying where it stands, if the table
    forbids it."""
    if not MOVES.can_move(order.status, target):
        raise IllegalTransitionError(
            f"print order {order.id} is {order.status.label}; it cannot move to {target.label}"
        )
    event = PrintOrderEvent(
        order_id=stored_id(order),
        from_status=order.status,
        to_status=target,
        actor=actor,
        note=note.strip()[:300] or None,
    )
    order.status, order.updated_at = target, event.at
    session.add(order)
    session.add(event)
    return event
