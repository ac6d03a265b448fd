"""Command-line options every `photoflow` command group shares, declared once.

A module of its own because `photoflow.cli` imports the command groups (enrollment, id-registry,
similarity), which therefore cannot import from it.
"""

from __future__ import annotations

from typing import Annotated

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables or text.")]
BatchOption = Annotated[
    int,
    typer.Option(
        "--batch", help="Batch ID (each roster upload's batch_id in `photoflow roster list --json`)."
    ),
]
