"""One way to render a page: the template, the user, the CSRF token and the page's own context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from photoflow.web.security import CSRF_FIELD, csrf_token
from schemas.accounts import User

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _local(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.strftime(fmt) + " UTC" if value is not None else ""


templates.env.filters["when"] = _local


def render(
    request: Request, template: str, *, user: User | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"user": user, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), **context},
        status_code=status_code,
    )
