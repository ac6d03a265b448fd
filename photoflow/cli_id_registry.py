"""`photoflow id-registry`: the ID-registry photo source (人证比对) and its local simulator."""

from __future__ import annotations

import typer

id_registry_app = typer.Typer(
    no_args_is_help=True, help="ID-registry photos: look one up, run the simulator."
)
