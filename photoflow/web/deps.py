"""Request dependencies: the engine, the settings, the logged-in user, and what their role allows."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine

from photoflow.accounts.sessions import session_user
from photoflow.settings import Settings
from photoflow.web.security import SESSION_FIELD
from schemas.accounts import User, UserRole


class LoginRequired(Exception):
    """No valid session: pages answer with a redirect to the login page."""


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_user(request: Request, engine: EngineDep) -> User:
    """The user of the request's session, looked up each time: an ended session is refused at once."""
    token = request.session.get(SESSION_FIELD)
    user = session_user(engine, token) if isinstance(token, str) else None
    if user is None:
        request.session.clear()
        raise LoginRequired
    return user


def _role(*roles: UserRole):
    def allowed(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your role cannot open this page / 无权访问此页面")
        return user

    return allowed


UserDep = Annotated[User, Depends(current_user)]
ReviewerDep = Annotated[User, Depends(_role(UserRole.REVIEWER, UserRole.OPS))]
AdminDep = Annotated[User, Depends(_role(UserRole.INSTITUTION_ADMIN, UserRole.OPS))]


def scope(user: User) -> str | None:
    """The institution a user is limited to: their own for an institution admin, none for the others."""
    return user.institution_code if user.role == UserRole.INSTITUTION_ADMIN else None
