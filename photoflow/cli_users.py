"""Accounts for the web app: `photoflow user add|list`.

A password is never a command-line argument (it would show in `ps` and in shell history): `user add`
reads it from standard input, e.g. `printf '%s\n' "$PASSWORD" | photoflow user add alice --role reviewer
--password-stdin`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from photoflow.cli_options import JsonOption
from photoflow.errors import PhotoflowError

user_app = typer.Typer(no_args_is_help=True, help="Web app accounts: reviewers, institution admins, ops.")


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
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of standard input."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a web app account; the password comes on standard input, never as an argument."""
    from photoflow.accounts.users import add_user
    from photoflow.settings import get_settings
    from schemas.accounts import UserOut, UserRole
    from schemas.db import default_engine

    if not password_stdin:
        raise PhotoflowError(
            "give --password-stdin and pipe the password on standard input; passwords are never "
            "command-line arguments (they would show in `ps` and in shell history)"
        )
    try:
        user_role = UserRole.parse(role)
    except ValueError as error:
        raise PhotoflowError(f"--role: {error}") from None
    user = add_user(default_engine(), name=name, role=user_role, institution_code=institution,
                    password=_read_password(), created_by=get_settings().actor)  # fmt: skip
    if as_json:
        typer.echo(UserOut.of(user).model_dump_json(indent=2))
        return
    where = f" of institution {user.institution_code}" if user.institution_code else ""
    typer.echo(f"added {user.role.label} {user.name}{where}")


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """Every account, active or not, by name."""
    from rich.table import Table

    from photoflow.accounts.users import list_users
    from photoflow.cli_output import console, emit_json_list
    from schemas.accounts import UserOut
    from schemas.db import default_engine

    users = [UserOut.of(user) for user in list_users(default_engine())]
    if as_json:
        emit_json_list(users)
        return
    if not users:
        console.print("no accounts yet / 尚无账号: add one with `photoflow user add`")
        return
    table = Table("名称 Name", "角色 Role", "院校 Institution", "启用 Active", "创建 Created (UTC)")
    for user in users:
        table.add_row(user.name, user.role_label, user.institution_code or "-",
                      "yes" if user.active else "no", user.created_at[:16].replace("T", " "))  # fmt: skip
    console.print(table)
