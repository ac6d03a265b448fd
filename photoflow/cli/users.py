"""Accounts for the web app: `photoflow user add|list|password|disable|enable`.

A password is never a command-line argument (it would show in `ps` and in shell history): `user add`
and `user password` read it from standard input, e.g. `printf '%s\n' "$PASSWORD" | photoflow user add
alice --role reviewer --password-stdin`. A new password or a disabled account logs the user out of
every browser at once.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from photoflow.cli.options import JsonOption
from photoflow.errors import PhotoflowError

user_app = typer.Typer(no_args_is_help=True, help="Web app accounts: reviewers, institution admins, ops.")


NameArgument = Annotated[str, typer.Argument(help="The account's login name (see `photoflow user list`).")]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]


def _require_password_stdin(given: bool) -> None:
    if not given:
        raise PhotoflowError(
            "give --password-stdin and pipe the password on standard input; passwords are never "
            "command-line arguments (they would show in `ps` and in shell history)"
        )


def _logged_out(count: int) -> str:
    return f"; {count} open web session(s) ended" if count else ""


def _read_password() -> str:
    """The first line of standard input, without its line ending."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise PhotoflowError(
            "no password on standard input: pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | ..."
        )
    return password


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name: letters, digits and . _ - @ (up to 50).")],
    role: Annotated[
        str, typer.Option("--role", help="reviewer (审核员), institution_admin (院校管理员) or ops (运维).")
    ],
    institution: Annotated[
        str | None, typer.Option("--institution", help="Institution code; institution admins only.")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    as_json: JsonOption = False,
) -> None:
    """Add a web app account; the password comes on standard input, never as an argument."""
    from photoflow.accounts.users import add_user
    from photoflow.database import default_engine
    from photoflow.settings import get_settings
    from schemas.accounts import UserOut, UserRole

    _require_password_stdin(password_stdin)
    try:
        user_role = UserRole.parse(role)
    except ValueError as error:
        raise PhotoflowError(f"--role: {error}") from None
    user = add_user(
        default_engine(),
        name=name,
        role=user_role,
        institution_code=institution,
        password=_read_password(),
        created_by=get_settings().actor,
    )
    if as_json:
        typer.echo(UserOut.of(user).model_dump_json(indent=2))
        return
    where = f" of institution {user.institution_code}" if user.institution_code else ""
    typer.echo(f"added {user.role.label} {user.name}{where}")


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """Every account, active or not, by name."""
    from photoflow.accounts.users import list_users
    from photoflow.cli.output import FitTable, console, emit_json_list, show_table
    from photoflow.database import default_engine
    from schemas.accounts import UserOut

    users = [UserOut.of(user) for user in list_users(default_engine())]
    if as_json:
        emit_json_list(users)
        return
    if not users:
        console.print("no accounts yet / 尚无账号: add one with `photoflow user add`")
        return
    table = FitTable("名称 Name", "角色 Role", "院校 Institution", "启用 Active", "创建 Created (UTC)")
    for user in users:
        table.add_row(
            user.name,
            user.role_label,
            user.institution_code or "-",
            "yes" if user.active else "no",
            user.created_at[:16].replace("T", " "),
        )
    show_table(table)


@user_app.command("password")
def user_password(name: NameArgument, password_stdin: PasswordStdinOption = False) -> None:
    """Set a new password (from standard input); the user is logged out of every browser."""
    from photoflow.accounts.users import change_password
    from photoflow.database import default_engine

    _require_password_stdin(password_stdin)
    ended = change_password(default_engine(), name=name, password=_read_password())
    typer.echo(f"new password set for {name.strip()}{_logged_out(ended)}")


@user_app.command("disable")
def user_disable(name: NameArgument) -> None:
    """Stop an account from logging in; it is logged out of every browser at once."""
    from photoflow.accounts.users import set_active
    from photoflow.database import default_engine

    ended = set_active(default_engine(), name=name, active=False)
    typer.echo(
        f"disabled {name.strip()}{_logged_out(ended)}; `photoflow user enable {name.strip()}` undoes it"
    )


@user_app.command("enable")
def user_enable(name: NameArgument) -> None:
    """Let a disabled account log in again (with its old password, or a new one from `user password`)."""
    from photoflow.accounts.users import set_active
    from photoflow.database import default_engine

    set_active(default_engine(), name=name, active=True)
    typer.echo(f"enabled {name.strip()}: they can log in again")
