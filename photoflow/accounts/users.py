"""Adding, finding, disabling and re-passwording the people who log in to the web app.

An institution admin belongs to exactly one institution, one that already has a contract, because the
admin sees only that institution's records; reviewers and ops work across institutions and belong to
none. The password is checked against the platform's rule and only its argon2 hash is stored.
A new password or a disabled account ends every web session of the user at once.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from photoflow.accounts.passwords import hash_password, require_good_password
from photoflow.accounts.sessions import DISABLED, PASSWORD_CHANGED, end_user_sessions
from photoflow.errors import NotFoundError, PhotoflowError
from schemas.accounts import User, UserRole
from schemas.db import session_scope
from schemas.ids import stored_id
from schemas.institutions import Institution

MAX_NAME_LENGTH = 50
NAME_PUNCTUATION = frozenset("._-@")


def _clean_name(name: str) -> str:
    """The name as stored: letters (Chinese too), digits and `._-@`, so it reads and types unambiguously."""
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME_LENGTH:
        raise PhotoflowError(
            f"user name: must be 1 to {MAX_NAME_LENGTH} characters, got {len(cleaned)} "
            f"(用户名长度必须在1-{MAX_NAME_LENGTH}位之间)"
        )
    if not all(char.isalnum() or char in NAME_PUNCTUATION for char in cleaned):
        raise PhotoflowError(
            f"user name {cleaned!r}: use only letters, digits and . _ - @, no spaces "
            "(用户名只能包含字母、数字和 . _ - @)"
        )
    return cleaned


def _check_institution(session: Session, role: UserRole, institution_code: str | None) -> None:
    if role is not UserRole.INSTITUTION_ADMIN:
        if institution_code is not None:
            raise PhotoflowError(
                f"institution: {role.label} accounts belong to no institution (only institution admins "
                "have one); leave the institution code out"
            )
        return
    if institution_code is None:
        raise PhotoflowError(
            f"institution: an institution admin ({role.zh}) needs the code of the institution they manage"
        )
    if session.get(Institution, institution_code) is None:
        raise PhotoflowError(
            f"institution: there is no institution with code {institution_code}; "
            "add its contract first with `photoflow contract add`"
        )


def add_user(
    engine: Engine,
    *,
    name: str,
    role: UserRole,
    institution_code: str | None,
    password: str,
    created_by: str,
) -> User:
    """Create an active account; refuses a bad name, a taken name, a wrong institution or a weak password."""
    name = _clean_name(name)
    institution_code = (institution_code or "").strip() or None
    require_good_password(password)
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.name == name)).first() is not None:
            raise PhotoflowError(f"a user named {name} already exists")
        _check_institution(session, role, institution_code)
        user = User(
            name=name,
            role=role,
            institution_code=institution_code,
            password_hash=hash_password(password),
            created_by=created_by,
        )
        session.add(user)
    return user


def list_users(engine: Engine) -> list[User]:
    """Every account, active or not, by name."""
    with session_scope(engine) as session:
        return list(session.exec(select(User).order_by(User.name)))


def _named(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise NotFoundError(
            f"there is no user named {name.strip()}: `photoflow user list` shows every account"
        )
    return user


def change_password(engine: Engine, *, name: str, password: str) -> int:
    """Give the user a new password and end their sessions (whoever knew the old one is logged out).

    Returns how many sessions were ended.
    """
    require_good_password(password)
    with session_scope(engine) as session:
        user = _named(session, name)
        user.password_hash = hash_password(password)
        session.add(user)
        return end_user_sessions(session, stored_id(user), why=PASSWORD_CHANGED)


def set_active(engine: Engine, *, name: str, active: bool) -> int:
    """Enable or disable an account; disabling ends its sessions. Returns how many sessions were ended."""
    with session_scope(engine) as session:
        user = _named(session, name)
        user.active = active
        session.add(user)
        return 0 if active else end_user_sessions(session, stored_id(user), why=DISABLED)
