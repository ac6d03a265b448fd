"""Sessions, CSRF tokens and response headers: the parts of the app every page relies on.

Sessions are signed cookies (itsdangerous, through Starlette's SessionMiddleware) holding a session
token and a CSRF token; nothing about the user lives in the browser. The session token names a row of
the session table (photoflow.accounts.sessions), looked up on every request, so that logout, a new
password or a disabled account ends the session even for a copy of the cookie. Every POST carries the
CSRF token in a hidden field (or the X-CSRF-Token header) and is refused without it.
"""

from __future__ import annotations

import hmac
import os
import secrets

from fastapi import HTTPException, Request, status
from sqlalchemy import Engine

from photoflow import storage
from photoflow.accounts.sessions import LOGGED_IN_AGAIN, LOGGED_OUT, end_session, open_session
from photoflow.settings import Settings

CSRF_FIELD = "csrf_token"
SESSION_FIELD = "sid"
CSRF_HEADER = "x-csrf-token"

# no inline script or style: a page that somehow echoed markup could still not run it
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def session_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept (owner-readable only) in the data folder.

    Keeping it in a file means logins survive a restart without anyone having to invent a secret,
    and no secret is ever in the repository.
    """
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = storage.session_secret_file(settings.data_dir)
    if not path.exists():
        storage.make_dir(settings.data_dir)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (the login form gets one before anyone logs in)."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def require_csrf(request: Request) -> None:
    """Dependency for every POST: the form's (or header's) token must match the session's."""
    expected = request.session.get(CSRF_FIELD, "")
    sent = request.headers.get(CSRF_HEADER) or str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected, sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the form has expired or did not come from this site: reload the page and try again / "
            "表单已过期，请刷新页面后重试",
        )


def start_session(request: Request, engine: Engine, settings: Settings, user_id: int) -> None:
    """A fresh session on login (a new CSRF token too), so a session planted before login is useless.

    A session the browser already had is ended, not just forgotten: a copy of that cookie opens nothing.
    """
    previous = request.session.get(SESSION_FIELD)
    if previous:
        end_session(engine, previous, why=LOGGED_IN_AGAIN)
    request.session.clear()
    request.session[SESSION_FIELD] = open_session(engine, user_id=user_id, hours=settings.session_hours)
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def end_browser_session(request: Request, engine: Engine) -> None:
    """Logout: the session ends on the server, and the browser's cookie is emptied."""
    token = request.session.get(SESSION_FIELD)
    if token:
        end_session(engine, token, why=LOGGED_OUT)
    request.session.clear()
