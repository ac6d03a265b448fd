"""People who log in to the web app, their roles, their sessions, and the log of login attempts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.labels import LabelledEnum, enum_type


class UserRole(LabelledEnum):
    """What a login may do: reviewers work the manual queue, institution admins their own institution."""

    REVIEWER = ("reviewer", "审核员", "Reviewer")
    INSTITUTION_ADMIN = ("institution_admin", "院校管理员", "Institution admin")
    OPS = ("ops", "运维", "Operations")


class User(SQLModel, table=True):
    """One login; an institution admin belongs to exactly one institution, other roles to none."""

    __tablename__ = "account"  # "user" is a reserved word in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)
    role: UserRole = Field(sa_type=enum_type(UserRole))
    institution_code: str | None = Field(default=None, foreign_key="institution.code", max_length=5)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class LoginAttempt(SQLModel, table=True):
    """Every login try, kept so that repeated failures per name and per client address can be refused."""

    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(max_length=50, index=True)
    client: str = Field(max_length=64, index=True, description="The client's address as the app saw it.")
    succeeded: bool
    at: datetime = Field(default_factory=utcnow, index=True)


class WebSession(SQLModel, table=True):
    """One login to the web app, kept here so that it can be ended before it expires.

    The browser's signed cookie carries only a random token; this table keeps its SHA-256, so a copy of
    the database opens no session. Logout ends one session; a password change or a disabled account ends
    every session of the user. Ended sessions stay until they expire, to show when and why they ended.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    ended_at: datetime | None = None
    ended_why: str | None = Field(default=None, max_length=50, description="logout, password changed, ...")


class UserOut(BaseModel):
    """An account as commands show it: never its password hash."""

    name: str
    role: str
    role_label: str
    institution_code: str | None
    active: bool
    created_at: str

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            name=user.name,
            role=user.role.value,
            role_label=user.role.label,
            institution_code=user.institution_code,
            active=user.active,
            created_at=user.created_at.isoformat(timespec="seconds"),
        )
