"""One-shot messages carried across a redirect (after a POST, the page that follows says what happened)."""

from __future__ import annotations

from fastapi import Request

KEY = "flash"


def flash(request: Request, message: str, *, kind: str = "info") -> None:
    request.session[KEY] = {"message": message, "kind": kind}


def take_flash(request: Request) -> dict[str, str] | None:
    return request.session.pop(KEY, None)
