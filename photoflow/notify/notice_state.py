"""The state machine of outbox notices; nothing else assigns a notice's status.

A notice is written pending (or, with no e-mail address, as such) and leaves pending once: sent, failed
(refused, or out of tries) or found to have no address. A retry keeps it pending. Outcomes are written
by one conditional UPDATE that matches only a pending notice still claimed by the run writing it, so
a notice another run settled meanwhile is never moved twice. The notice's own row keeps its history
(tries, last error, when it was sent): there is no event table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Update, update
from sqlmodel import Session, col

from photoflow.transitions import Moves
from schemas.notifications import Notification
from schemas.notifications import NotificationStatus as N

# from-status (None: the notice does not exist yet) -> statuses it may move to
ALLOWED: Mapping[N | None, frozenset[N]] = {
    None: frozenset({N.PENDING, N.NO_ADDRESS}),
    N.PENDING: frozenset({N.SENT, N.FAILED, N.NO_ADDRESS}),
    N.SENT: frozenset(),
    N.FAILED: frozenset(),
    N.NO_ADDRESS: frozenset(),
}
MOVES = Moves("notice", ALLOWED)


def queue(session: Session, **fields: Any) -> Notification:
    """A new notice: pending when it has a recipient, else kept as having no address, for ops to see."""
    first = N.PENDING if fields.get("recipient") else N.NO_ADDRESS
    MOVES.require(None, first, None)
    notice = Notification(**fields, status=first)
    session.add(notice)
    return notice


def outcome(notice_id: int, claimed_until: datetime, target: N | None, **values: Any) -> Update:
    """The UPDATE recording one delivery outcome of a pending notice this run claimed (until
    `claimed_until`): a move to `target`, or none (a retry: it stays pending); it also ends the claim."""
    if target is not None:
        MOVES.require(N.PENDING, target, notice_id)
        values["status"] = target
    return (
        update(Notification)
        .where(
            col(Notification.id) == notice_id,
            col(Notification.status) == N.PENDING,
            col(Notification.claimed_until) == claimed_until,
        )
        .values(claimed_until=None, **values)
    )
