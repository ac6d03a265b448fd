"""Web app accounts: adding users, logging in with failures limited per name and per client, the CLI."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from photoflow.accounts.logins import LoginRefused, LoginThrottled, authenticate
from photoflow.accounts.sessions import open_session, session_user
from photoflow.accounts.users import add_user, list_users
from photoflow.errors import PhotoflowError
from schemas.accounts import LoginAttempt, User, UserRole
from schemas.clock import utcnow
from schemas.db import session_scope
from tests.cli.test_cli import run
from tests.helpers import INSTITUTION

PASSWORD = "photo2026ok"
CLIENT = "203.0.113.7"


def add_account(
    engine,
    name: str = "alice",
    role: UserRole = UserRole.REVIEWER,
    institution: str | None = None,
    password: str = PASSWORD,
) -> User:
    return add_user(
        engine, name=name, role=role, institution_code=institution, password=password, created_by="test-admin"
    )


def attempts(engine) -> list[LoginAttempt]:
    with session_scope(engine) as session:
        return list(session.exec(select(LoginAttempt).order_by(LoginAttempt.id)))


def fail_logins(engine, settings, count: int, *, name: str = "alice", client: str = CLIENT, now=None) -> None:
    for _ in range(count):
        with pytest.raises(LoginRefused):
            authenticate(engine, settings, name=name, password="wrong2026pw", client=client, now=now)


def test_add_user_stores_an_argon2_hash_not_the_password(engine):
    user = add_account(engine, name="  alice  ")

    assert user.name == "alice" and user.active and user.created_by == "test-admin"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert [u.name for u in list_users(engine)] == ["alice"]
    assert [u.role for u in list_users(engine)] == [UserRole.REVIEWER]


def test_a_taken_name_is_refused(engine):
    add_account(engine)
    with pytest.raises(PhotoflowError, match="a user named alice already exists"):
        add_account(engine, name="alice")


@pytest.mark.parametrize("name", ["", "al ice", "tab\there", "x" * 51])
def test_bad_user_names_are_refused_naming_the_field(engine, name):
    with pytest.raises(PhotoflowError, match="user name"):
        add_account(engine, name=name)
    assert list_users(engine) == []


def test_chinese_and_email_like_names_are_accepted(engine):
    add_account(engine, name="王审核")
    add_account(engine, name="li.na_01-x@uni.edu")
    assert [u.name for u in list_users(engine)] == ["li.na_01-x@uni.edu", "王审核"]


def test_an_institution_admin_needs_an_institution_with_a_contract(engine, contract):
    with pytest.raises(PhotoflowError, match="needs the code"):
        add_account(engine, "bob", UserRole.INSTITUTION_ADMIN)
    with pytest.raises(PhotoflowError, match="photoflow contract add"):
        add_account(engine, "bob", UserRole.INSTITUTION_ADMIN, "99999")

    admin = add_account(engine, "bob", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    assert admin.institution_code == INSTITUTION


@pytest.mark.parametrize("role", [UserRole.REVIEWER, UserRole.OPS])
def test_reviewers_and_ops_belong_to_no_institution(engine, contract, role):
    with pytest.raises(PhotoflowError, match="belong to no institution"):
        add_account(engine, "carol", role, INSTITUTION)
    assert list_users(engine) == []


def test_a_weak_password_creates_no_account(engine):
    with pytest.raises(PhotoflowError, match="no run of six ascending or descending digits"):
        add_account(engine, password="bbb123456")
    assert list_users(engine) == []


def test_a_session_of_a_deactivated_account_opens_nothing(engine):
    user = add_account(engine)
    token = open_session(engine, user_id=user.id, hours=1)
    assert session_user(engine, token).name == "alice"
    with session_scope(engine) as session:
        session.get(User, user.id).active = False
    assert session_user(engine, token) is None


def test_right_password_returns_the_user_and_logs_a_success(engine, settings):
    user = add_account(engine)

    logged_in = authenticate(engine, settings, name="alice", password=PASSWORD, client=CLIENT)

    assert logged_in.id == user.id
    [attempt] = attempts(engine)
    assert (attempt.user_name, attempt.client, attempt.succeeded) == ("alice", CLIENT, True)
    assert attempt.at.tzinfo is not None


def test_wrong_password_and_unknown_name_get_the_same_refusal(engine, settings):
    add_account(engine)

    with pytest.raises(LoginRefused) as wrong_password:
        authenticate(engine, settings, name="alice", password="wrong2026pw", client=CLIENT)
    with pytest.raises(LoginRefused) as unknown_name:
        authenticate(engine, settings, name="mallory", password=PASSWORD, client=CLIENT)

    assert (
        str(wrong_password.value)
        == str(unknown_name.value)
        == "wrong user name or password / 用户名或密码错误"
    )
    assert [(a.user_name, a.succeeded) for a in attempts(engine)] == [("alice", False), ("mallory", False)]


def test_a_deactivated_account_cannot_log_in(engine, settings):
    user = add_account(engine)
    with session_scope(engine) as session:
        session.get(User, user.id).active = False
    with pytest.raises(LoginRefused):
        authenticate(engine, settings, name="alice", password=PASSWORD, client=CLIENT)


def test_after_the_name_limit_even_the_right_password_is_throttled_without_being_logged(engine, settings):
    add_account(engine)
    fail_logins(engine, settings, settings.login_failures_per_name)

    with pytest.raises(LoginThrottled) as throttled:
        authenticate(engine, settings, name="alice", password=PASSWORD, client="198.51.100.1")

    window_s = settings.login_window_minutes * 60
    assert 0 < throttled.value.retry_after_s <= window_s
    assert f"wait {settings.login_window_minutes} minute(s)" in str(throttled.value)
    assert len(attempts(engine)) == settings.login_failures_per_name  # the throttled try left no row


def test_other_names_from_the_same_client_work_until_the_client_limit(engine, settings, monkeypatch):
    monkeypatch.setattr(settings, "login_failures_per_client", 3)
    add_account(engine, name="alice")
    add_account(engine, name="dave")
    fail_logins(engine, settings, 2, name="alice")

    assert authenticate(engine, settings, name="dave", password=PASSWORD, client=CLIENT).name == "dave"
    fail_logins(engine, settings, 1, name="eve")  # the client's third failure
    with pytest.raises(LoginThrottled):
        authenticate(engine, settings, name="dave", password=PASSWORD, client=CLIENT)
    other_client = authenticate(engine, settings, name="dave", password=PASSWORD, client="198.51.100.1")
    assert other_client.name == "dave"


def test_login_works_again_once_the_failures_leave_the_window(engine, settings):
    add_account(engine)
    start = utcnow()
    fail_logins(engine, settings, settings.login_failures_per_name, now=start)
    window = timedelta(minutes=settings.login_window_minutes)

    with pytest.raises(LoginThrottled) as throttled:
        authenticate(engine, settings, name="alice", password=PASSWORD, client=CLIENT, now=start + window / 2)
    assert throttled.value.retry_after_s == (window / 2).total_seconds()

    later = start + window + timedelta(seconds=1)
    assert (
        authenticate(engine, settings, name="alice", password=PASSWORD, client=CLIENT, now=later).name
        == "alice"
    )


def test_cli_user_add_reads_the_password_from_stdin_and_list_shows_no_hash(monkeypatch, capsys, engine):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = run(
        monkeypatch, capsys, "user", "add", "alice", "--role", "reviewer", "--password-stdin"
    )
    assert (code, err) == (0, "")
    assert "added 审核员 / Reviewer alice" in out

    code, out, _ = run(monkeypatch, capsys, "user", "list", "--json")
    [listed] = json.loads(out)
    assert code == 0
    assert datetime.fromisoformat(listed.pop("created_at")).tzinfo is not None
    assert listed == {
        "name": "alice",
        "role": "reviewer",
        "role_label": "审核员 / Reviewer",
        "institution_code": None,
        "active": True,
    }
    assert "argon2" not in out and "password" not in out
    assert [u.created_by for u in list_users(engine)] == ["test-admin"]  # the settings' actor


def test_cli_user_add_for_an_institution_admin_prints_json(monkeypatch, capsys, engine, settings, contract):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\r\n"))
    code, out, _ = run(
        monkeypatch,
        capsys,
        "user",
        "add",
        "bob",
        "--role",
        "院校管理员",
        "--institution",
        INSTITUTION,
        "--password-stdin",
        "--json",
    )
    assert code == 0
    shown = json.loads(out)
    assert (shown["name"], shown["role"], shown["institution_code"]) == (
        "bob",
        "institution_admin",
        INSTITUTION,
    )
    assert authenticate(engine, settings, name="bob", password=PASSWORD, client=CLIENT)


def test_cli_weak_password_exits_1_naming_both_rules_and_adds_no_account(monkeypatch, capsys, engine):
    monkeypatch.setattr("sys.stdin", io.StringIO("bbb123456\n"))
    code, _, err = run(monkeypatch, capsys, "user", "add", "alice", "--role", "reviewer", "--password-stdin")

    assert code == 1 and "Traceback" not in err
    assert "no character three times in a row (不能出现连续三位相同字符)" in err
    assert "no run of six ascending or descending digits" in err
    assert list_users(engine) == []


def test_cli_refuses_a_password_not_piped_on_stdin(monkeypatch, capsys, settings):
    code, _, err = run(monkeypatch, capsys, "user", "add", "alice", "--role", "reviewer")
    assert code == 1 and "--password-stdin" in err and "shell history" in err


def test_cli_bad_role_lists_the_choices(monkeypatch, capsys, settings):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run(monkeypatch, capsys, "user", "add", "alice", "--role", "admin", "--password-stdin")
    assert code == 1 and "reviewer (审核员)" in err and "ops (运维)" in err
