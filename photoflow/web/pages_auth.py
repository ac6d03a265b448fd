"""Logging in and out; a refused login says nothing about which of name or password was wrong."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from photoflow.accounts.logins import LoginRefused, LoginThrottled, authenticate
from photoflow.accounts.sessions import session_user
from photoflow.manual_review.queue import release
from photoflow.web.deps import EngineDep, SettingsDep, current_user
from photoflow.web.rendering import render
from photoflow.web.security import SESSION_FIELD, end_browser_session, require_csrf, start_session
from schemas.accounts import User, UserRole
from schemas.ids import stored_id

router = APIRouter()

HOME = {UserRole.REVIEWER: "/review", UserRole.OPS: "/review", UserRole.INSTITUTION_ADMIN: "/progress"}


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never `//elsewhere` or `https://elsewhere` (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/")
def home(user: Annotated[User, Depends(current_user)]) -> Response:
    return RedirectResponse(HOME[user.role], status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", user=None, next=_safe_next(next) or "", error=None, name="")


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        user = authenticate(engine, settings, name=name.strip(), password=password, client=client)
    except LoginThrottled as refusal:
        response = _login_refused(request, refusal, status_code=429, next=next, name=name)
        response.headers["Retry-After"] = str(refusal.retry_after_s)
        return response
    except LoginRefused as refusal:
        return _login_refused(request, refusal, status_code=401, next=next, name=name)
    start_session(request, engine, settings, stored_id(user))
    return RedirectResponse(_safe_next(next) or HOME[user.role], status_code=303)


def _login_refused(
    request: Request, refusal: LoginRefused | LoginThrottled, *, status_code: int, next: str, name: str
) -> Response:
    """The login page again, saying why, with the name kept so that only the password is typed again."""
    return render(
        request,
        "login.html",
        user=None,
        status_code=status_code,
        next=_safe_next(next) or "",
        error=str(refusal),
        name=name,
    )


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request, engine: EngineDep) -> Response:
    """Log out, giving back the photos a reviewer holds so that others need not wait for the lease."""
    token = request.session.get(SESSION_FIELD)
    user = session_user(engine, token) if isinstance(token, str) else None
    if user is not None:
        release(engine, reviewer=user.name)
    end_browser_session(request, engine)
    return RedirectResponse("/login", status_code=303)
