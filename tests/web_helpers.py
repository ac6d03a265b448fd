"""Logging in to the web app from tests: accounts with good passwords, and the CSRF token of a page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from photoflow.accounts.users import add_user
from schemas.accounts import UserRole

PASSWORD = "Review2026ok"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def account(engine: Engine, name: str, role: UserRole, institution: str | None = None) -> str:
    add_user(engine, name=name, role=role, institution_code=institution, password=PASSWORD, created_by="test")
    return name


def token(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token(page.text)},
        follow_redirects=False,
    )
