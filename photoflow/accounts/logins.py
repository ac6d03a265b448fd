"""Logging in to the web app, with failed tries limited per user name and per client address.

Every try is written to the login log; failures within the last `login_window_minutes` are counted
for the name tried (guessing one account's password) and for the client (trying many accounts). At
the limit the login is refused before the password is looked at, and nothing is recorded: the wait
then ends when the oldest counted failure leaves the window, however often an attacker keeps trying,
so the real owner is locked out for one window at most.

A wrong name and a wrong password get the same message, and an unknown name still costs one argon2
verification, so neither the answer nor its timing tells which names exist.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, select

from photoflow.accounts.passwords import hash_password, verify_password
from photoflow.errors import PhotoflowError
from photoflow.settings import Settings
from schemas.accounts import LoginAttempt, User
from schemas.clock import utcnow
from schemas.db import session_scope

NAME_FIELD_LENGTH = 50  # LoginAttempt.user_name
CLIENT_FIELD_LENGTH = 64  # LoginAttempt.client

# Verified against when the name is unknown; hashed here, with the current cost, so it takes as long.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


class LoginRefused(PhotoflowError):
    """Wrong user name or wrong password; which one is never said."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password / 用户名或密码错误")


class LoginThrottled(PhotoflowError):
    """Too many failed logins for the name or from the client; `retry_after_s` says when to try again."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        minutes = math.ceil(retry_after_s / 60)
        super().__init__(
            f"too many failed logins: wait {minutes} minute(s) and try again / "
            f"登录失败次数过多，请等待{minutes}分钟后再试"
        )


def _reopens_at(
    session: Session, counted: ColumnElement[bool], limit: int, now: datetime, window: timedelta
) -> datetime | None:
    """When the failures `counted` picks drop below the limit again; None when they are below it now."""
    failures = session.exec(
        select(LoginAttempt.at)
        .where(counted, col(LoginAttempt.succeeded).is_(False), LoginAttempt.at > now - window)
        .order_by(col(LoginAttempt.at))
    ).all()
    if len(failures) < limit:
        return None
    return failures[len(failures) - limit] + window


def authenticate(
    engine: Engine,
    settings: Settings,
    *,
    name: str,
    password: str,
    client: str,
    now: datetime | None = None,
) -> User:
    """The active user with this name and password; raises LoginThrottled or LoginRefused otherwise."""
    now = now or utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    name = name.strip()
    logged_name, client = name[:NAME_FIELD_LENGTH], client[:CLIENT_FIELD_LENGTH]
    limits = [
        (col(LoginAttempt.user_name) == logged_name, settings.login_failures_per_name),
        (col(LoginAttempt.client) == client, settings.login_failures_per_client),
    ]
    with session_scope(engine) as session:
        reopens = [_reopens_at(session, counted, limit, now, window) for counted, limit in limits]
        user = session.exec(select(User).where(User.name == name)).first()
    throttled_until = max((at for at in reopens if at is not None), default=None)
    if throttled_until is not None:
        raise LoginThrottled(max(1, math.ceil((throttled_until - now).total_seconds())))
    known = user is not None and user.active
    succeeded = (
        verify_password(user.password_hash if user is not None and known else _DUMMY_HASH, password) and known
    )
    with session_scope(engine) as session:
        session.add(LoginAttempt(user_name=logged_name, client=client, succeeded=succeeded, at=now))
    if not succeeded:
        raise LoginRefused()
    assert user is not None  # the password matched a known user's
    return user
