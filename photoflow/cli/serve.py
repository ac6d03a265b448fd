"""`photoflow serve`: the web app for reviewers, institution admins and ops."""

from __future__ import annotations

from typing import Annotated

import typer

from photoflow.settings import get_settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Start the web app: the manual review queue, held records, interception and progress pages."""
    from photoflow.web.serve import serve as run_app

    run_app(get_settings(), host=host, port=port)
