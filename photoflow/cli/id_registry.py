"""`photoflow id-registry`: the ID-registry photo source (人证比对) and its local simulator."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import BaseModel

from photoflow.cli.options import JsonOption
from photoflow.errors import PhotoflowError
from photoflow.settings import get_settings

id_registry_app = typer.Typer(
    no_args_is_help=True, help="ID-registry photos: look one up, run the simulator."
)


class LookupOut(BaseModel):
    """What `lookup` found; the ID number is masked, as everywhere it is shown."""

    id_number: str
    registry: str
    outcome: Literal["found", "not_found", "unavailable"]
    size_bytes: int | None = None
    sha256: str | None = None
    detail: str | None = None


@id_registry_app.command("sim")
def sim(
    folder: Annotated[
        Path, typer.Option("--folder", help="Folder of registry photos named <ID number>.jpg.")
    ],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on; 0 picks a free one.")
    ] = 8766,  # registry-sim has 8765: both can run at once
    token_stdin: Annotated[
        bool,
        typer.Option("--token-stdin", help="Require this bearer token, read from standard input (not argv)."),
    ] = False,
) -> None:
    """Run the ID-registry simulator in the foreground until Ctrl-C, for the demo and manual tests."""
    import logging
    import threading

    from photoflow.sandbox.id_registry_simulator import start_simulator

    if not folder.is_dir():
        raise PhotoflowError(f"--folder {folder} does not exist or is not a folder: give the photo folder")
    token = None
    if token_stdin:
        token = sys.stdin.readline().strip()
        if not token:
            raise PhotoflowError("--token-stdin: standard input held no token; pipe one in")
    try:
        running = start_simulator(folder, host=host, port=port, token=token)
    except OSError as error:
        raise PhotoflowError(
            f"cannot listen on {host}:{port} ({error.strerror}): pick another --port, or 0 for any free one"
        ) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")  # one line per request
    with running:
        typer.echo(f"ID-registry simulator serving {folder.resolve()} at {running.url}")
        needs_token = " and PHOTOFLOW_ID_REGISTRY_TOKEN to the token" if token else ""
        typer.echo(f"point photoflow at it: set PHOTOFLOW_ID_REGISTRY={running.url}{needs_token}")
        typer.echo("Ctrl-C stops it")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            typer.echo("stopped")


@id_registry_app.command("lookup")
def lookup(
    id_number: Annotated[str, typer.Argument(help="ID number (身份证号) to ask the registry for.")],
    as_json: JsonOption = False,
) -> None:
    """Ask the configured ID registry for one person's photo; exit 1 when it has none or cannot answer."""
    import hashlib

    from photoflow import idnumber
    from photoflow.cli.output import emit_json
    from photoflow.photos.decode import describe_size
    from photoflow.similarity.id_registry import (
        RegistryNotFound,
        RegistryUnavailableError,
        open_registry_source,
    )

    source = open_registry_source(get_settings())
    if source is None:
        raise PhotoflowError(
            "no ID registry is configured: set PHOTOFLOW_ID_REGISTRY to a folder of <ID number>.jpg photos "
            "or to the registry's http(s):// URL (`photoflow id-registry sim` runs a local one)"
        )
    out = LookupOut(
        id_number=idnumber.mask(idnumber.normalise(id_number)), registry=source.describe(), outcome="found"
    )
    with source:
        try:
            answer = source.fetch(id_number)
        except RegistryUnavailableError as error:
            out.outcome, out.detail = "unavailable", str(error)
        else:
            if isinstance(answer, RegistryNotFound):
                out.outcome, out.detail = "not_found", answer.detail
            else:
                out.size_bytes, out.sha256 = len(answer.data), hashlib.sha256(answer.data).hexdigest()
    if as_json:
        emit_json(out)
    elif out.outcome == "found":
        size = describe_size(out.size_bytes or 0)
        typer.echo(f"found {out.id_number} in {out.registry}: {size}, sha256 {out.sha256}")
    elif out.outcome == "not_found":
        typer.echo(f"not found {out.id_number} in {out.registry}: {out.detail}")
    else:
        typer.echo(f"unavailable: {out.detail}")
    if out.outcome != "found":
        raise typer.Exit(code=1)
