"""Web sessions end when they should: a copy of the cookie opens nothing after logout, a new password
or a disabled account, while other users' sessions go on."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from photoflow.accounts.sessions import open_session, session_user
from photoflow.web.app import create_app
from schemas.accounts import User, UserRole, WebSession
from schemas.clock import utcnow
from schemas.db import session_scope
from tests.cli.test_cli import run
from tests.helpers import INSTITUTION
from tests.web_helpers import PASSWORD, account, log_in, token

COOKIE = "photoflow_session"
NEW_PASSWORD = "Fresh2026pw"


@pytest.fixture
def app(settings):
    return create_app(settings)


def logged_in(app, name: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app)
    assert log_in(client, name, password).status_code == 303
    return client


def copy_of(app, client: TestClient) -> TestClient:
    """Another browser holding a copy of the client's session cookie, as a thief would."""
    thief = TestClient(app)
    thief.cookies.set(COOKIE, client.cookies[COOKIE])
    return thief


def opens_progress(client: TestClient) -> bool:
    response = client.get("/progress", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def log_out(client: TestClient) -> None:
    page = client.get("/progress")
    assert (
        client.post("/logout", data={"csrf_token": token(page.text)}, follow_redirects=False).status_code
        == 303
    )


def test_a_cookie_copied_before_logout_opens_nothing_after_it(engine, app, contract):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    browser = logged_in(app, "dean")
    thief = copy_of(app, browser)
    assert opens_progress(thief)

    log_out(browser)

    refused = thief.get("/progress", follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"] == "/login?next=/progress"
    assert not opens_progress(browser)
    with session_scope(engine) as session:
        assert [s.ended_why for s in session.exec(select(WebSession))] == ["logged out"]


def test_logout_ends_only_that_session_of_the_user(engine, app, contract):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    laptop, phone = logged_in(app, "dean"), logged_in(app, "dean")

    log_out(laptop)

    assert opens_progress(phone) and not opens_progress(laptop)


def test_logging_in_again_ends_the_browser_s_previous_session(engine, app, contract):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    browser = logged_in(app, "dean")
    earlier = copy_of(app, browser)

    assert log_in(browser, "dean").status_code == 303

    assert opens_progress(browser) and not opens_progress(earlier)


def test_a_new_password_ends_every_session_of_the_user_and_no_one_else_s(
    engine, app, contract, monkeypatch, capsys
):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    account(engine, "dean2", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    laptop, phone, colleague = logged_in(app, "dean"), logged_in(app, "dean"), logged_in(app, "dean2")
    thief = copy_of(app, laptop)

    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    code, out, err = run(monkeypatch, capsys, "user", "password", "dean", "--password-stdin")

    assert (code, err) == (0, "")
    assert "new password set for dean; 2 open web session(s) ended" in out
    assert not any(opens_progress(client) for client in (laptop, phone, thief))
    assert opens_progress(colleague)
    assert log_in(TestClient(app), "dean").status_code == 401  # the old password is gone
    assert opens_progress(logged_in(app, "dean", NEW_PASSWORD))


def test_disabling_an_account_ends_its_sessions_and_enabling_it_does_not_revive_them(
    engine, app, contract, monkeypatch, capsys
):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    account(engine, "alice", UserRole.REVIEWER)
    browser, reviewer = logged_in(app, "dean"), logged_in(app, "alice")
    thief = copy_of(app, browser)

    code, out, _ = run(monkeypatch, capsys, "user", "disable", "dean")

    assert code == 0 and "disabled dean; 1 open web session(s) ended" in out
    assert not opens_progress(browser) and not opens_progress(thief)
    assert log_in(TestClient(app), "dean").status_code == 401
    assert reviewer.get("/review", follow_redirects=False).status_code == 200

    code, out, _ = run(monkeypatch, capsys, "user", "enable", "dean")
    assert code == 0 and "enabled dean" in out
    assert not opens_progress(thief)
    assert opens_progress(logged_in(app, "dean"))


def test_user_commands_for_an_unknown_name_exit_1_saying_where_to_look(monkeypatch, capsys, settings):
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    for args in (["password", "nobody", "--password-stdin"], ["disable", "nobody"], ["enable", "nobody"]):
        code, _, err = run(monkeypatch, capsys, "user", *args)
        assert code == 1 and "no user named nobody" in err and "photoflow user list" in err


def test_a_new_password_must_follow_the_rule_and_leaves_sessions_open(
    engine, app, contract, monkeypatch, capsys
):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    browser = logged_in(app, "dean")
    monkeypatch.setattr("sys.stdin", io.StringIO("bbb123456\n"))

    code, _, err = run(monkeypatch, capsys, "user", "password", "dean", "--password-stdin")

    assert code == 1 and "no character three times in a row" in err
    assert opens_progress(browser)


def test_a_session_ends_on_the_server_when_it_expires_whatever_the_cookie_says(engine):
    user_id = _user_id(engine, account(engine, "alice", UserRole.REVIEWER))
    issued = open_session(engine, user_id=user_id, hours=12)

    assert session_user(engine, issued, now=utcnow() + timedelta(hours=11)).name == "alice"
    assert session_user(engine, issued, now=utcnow() + timedelta(hours=12, seconds=1)) is None
    assert session_user(engine, "a-token-never-issued") is None


def test_the_database_keeps_only_a_hash_of_the_session_token(engine):
    user_id = _user_id(engine, account(engine, "alice", UserRole.REVIEWER))
    issued = open_session(engine, user_id=user_id, hours=12)

    with session_scope(engine) as session:
        [stored] = session.exec(select(WebSession.token_hash)).all()
    assert issued not in stored and len(stored) == 64


def _user_id(engine, name: str) -> int:
    with session_scope(engine) as session:
        return session.exec(select(User.id).where(User.name == name)).one()
