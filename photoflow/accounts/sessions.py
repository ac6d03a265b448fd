"""Web app sessions kept in the database, so that a copied cookie stops working when the session ends.

A signed cookie alone stays valid until it expires, whatever happens on the server: logging out only
deletes the browser's copy. Here the cookie carries a random token and every request looks it up, so
logout ends that one session, and a password change or a disabled account ends all of the user's.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, Engine, delete, update
from sqlmodel import Session, col, select

from schemas.accounts import User, WebSession
from schemas.clock import utcnow
from schemas.db import session_scope

LOGGED_OUT = "logged out"
LOGGED_IN_AGAIN = "logged in again"
PASSWORD_CHANGED = "password changed"
DISABLED = "account disabled"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, *, user_id: int, hours: int, now: datetime | None = None) -> str:
    """A new session for the user; returns the token for the cookie (only its hash is stored).

    Sessions that expired before now are deleted on the way, so the table holds only live and
    recently ended ones.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with session_scope(engine) as session:
        session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
        session.add(
            WebSession(
                token_hash=_digest(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return token


def session_user(engine: Engine, token: str, *, now: datetime | None = None) -> User | None:
    """The active user whose session the token opens; None when it ended, expired or never existed."""
    now = now or utcnow()
    with session_scope(engine) as session:
        return session.exec(
            select(User)
            .join(WebSession, col(WebSession.user_id) == User.id)
            .where(
                WebSession.token_hash == _digest(token),
                col(WebSession.ended_at).is_(None),
                WebSession.expires_at > now,
                col(User.active).is_(True),
            )
        ).first()


def end_session(engine: Engine, token: str, *, why: str) -> None:
    """End the session the token opens (logout); any other session of the user goes on."""
    with session_scope(engine) as session:
        session.execute(
            update(WebSession)
            .where(col(WebSession.token_hash) == _digest(token), col(WebSession.ended_at).is_(None))
            .values(ended_at=utcnow(), ended_why=why)
        )


def end_user_sessions(session: Session, user_id: int, *, why: str) -> int:
    """End every open session of the user, in the caller's transaction; returns how many were open."""
    ended = session.execute(
        update(WebSession)
        .where(col(WebSession.user_id) == user_id, col(WebSession.ended_at).is_(None))
        .values(ended_at=utcnow(), ended_why=why)
    )
    assert isinstance(ended, CursorResult)  # an UPDATE's result, which counts the rows it changed
    return ended.rowcount
