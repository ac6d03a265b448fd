"""`photoflow db`: the database schema."""

from __future__ import annotations

import typer

from photoflow.settings import get_settings

db_app = typer.Typer(no_args_is_help=True, help="Database schema.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    from photoflow.database import get_engine

    engine = get_engine(get_settings().db_url)
    typer.echo(f"database at newest schema: {engine.url.render_as_string(hide_password=True)}")
