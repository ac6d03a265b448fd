"""`photoflow report`: the analysts' tables (CSV or Parquet) and charts (PNG), written into one folder.

The tables carry no names or ID numbers, so the folder can be shared; `docs/analytics.md` has the SQL
behind each table for anyone who would rather query the database directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from photoflow.cli.options import JsonOption

OutOption = Annotated[Path, typer.Option("--out", help="Folder to write the tables and charts into.")]
FormatOption = Annotated[str, typer.Option("--format", help="Table file format: csv or parquet.")]


def report(out: OutOption = Path("report"), fmt: FormatOption = "csv", as_json: JsonOption = False) -> None:
    """Pass rates per reason, time per status, reviewer throughput, score distributions, reshoot rates,
    and the manual queue's SLA per batch."""
    from photoflow.analytics.report import FORMATS, build_tables, write_tables
    from photoflow.database import default_engine

    if fmt not in FORMATS:
        raise typer.BadParameter(f"'{fmt}' is not one of: {', '.join(FORMATS)}", param_hint="--format")
    files = write_tables(build_tables(default_engine()), out.resolve(), fmt=fmt)  # paths shown in full
    if as_json:
        listed = [{"table": f.table, "path": str(f.path), "rows": f.rows} for f in files]
        typer.echo(json.dumps(listed, indent=2))
        return
    for file in files:
        rows = "chart" if file.rows is None else f"{file.rows} rows"
        typer.echo(f"{file.path}  ({file.table}, {rows})")
