"""Export commands: `photoflow export --batch N [filters]` writes a workbook; `list` and `get` find past ones.

Exporting is the group's own action (its callback), not an `export run` subcommand, so the command
reads as the issue asks for it. Click parses a group's options before the subcommand's name, so
`export --batch 3` exports and `export list --batch 3` lists; options of both (`export --batch 3
list`) are refused rather than guessed at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from photoflow.cli.options import (
    ClassFilter,
    DepartmentFilter,
    EntryYearFilter,
    JsonOption,
    LearningCentreFilter,
    MajorFilter,
    SearchFilter,
    StatusFilter,
    record_filter,
)
from photoflow.errors import PhotoflowError

if TYPE_CHECKING:
    from schemas.export_reports import ExportOut

export_app = typer.Typer(
    help="Excel exports of a batch's records: `export --batch N` with filters (--status, --search, "
    "--department ...) writes one; `export list` shows past ones; `export get ID` prints one's workbook path."
)


@export_app.callback(invoke_without_command=True)
def export(
    ctx: typer.Context,
    batch: Annotated[
        int | None, typer.Option("--batch", help="Batch ID to export (`photoflow roster list --json`).")
    ] = None,
    status: StatusFilter = None,
    search: SearchFilter = "",
    learning_centre: LearningCentreFilter = None,
    department: DepartmentFilter = None,
    major: MajorFilter = None,
    class_name: ClassFilter = None,
    entry_year: EntryYearFilter = None,
    as_json: JsonOption = False,
) -> None:
    """Export a batch's records matching the filters to an Excel workbook (信息表) and print the export."""
    given = [name for name, value in ctx.params.items() if value not in (None, "", False, [], ())]
    if ctx.invoked_subcommand is not None:
        if given:
            raise typer.BadParameter(
                f"options go after `{ctx.invoked_subcommand}`: photoflow export {ctx.invoked_subcommand} ...",
                param_hint=", ".join(f"--{name.replace('_', '-')}" for name in given),
            )
        return
    if batch is None:
        raise typer.BadParameter(
            "name the batch to export (or use `photoflow export list` / `photoflow export get ID`)",
            param_hint="--batch",
        )
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.exports.jobs import request_export
    from photoflow.settings import get_settings

    wanted = record_filter(ctx.params, check_batch=False)  # request_export checks it, after the search
    queued = request_export(default_engine(), batch, wanted, actor=get_settings().actor)
    from flows.export import export_flow

    out = export_flow(queued.id)
    emit_json(out) if as_json else show_export(out)
    if out.error:  # after the record, so --json still prints it
        raise PhotoflowError(f"export {out.id} failed: {out.error}")


@export_app.command("list")
def export_list(
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch's exports.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Past exports, newest first: status, rows, filters, and the workbook to get again."""
    from photoflow.cli.output import emit_json_list
    from photoflow.database import default_engine
    from photoflow.exports.jobs import list_exports

    found = list_exports(default_engine(), batch_id=batch)
    emit_json_list(found) if as_json else show_exports(found)


@export_app.command("get")
def export_get(
    export_id: Annotated[int, typer.Argument(help="The export's ID (`photoflow export list`).")],
    as_json: JsonOption = False,
) -> None:
    """Print the full path of a past export's workbook (with --json: the export record)."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.exports.jobs import export_file, get_export
    from photoflow.settings import get_settings

    engine = default_engine()
    path = export_file(engine, get_settings(), export_id)
    emit_json(get_export(engine, export_id)) if as_json else typer.echo(str(path))


def show_export(out: ExportOut) -> None:
    """A few lines per export, readable at any terminal width; the workbook's full path to open it."""
    from rich.markup import escape

    from photoflow import storage
    from photoflow.cli.output import console
    from photoflow.settings import get_settings

    rows = f" · {out.rows} row(s)" if out.rows is not None else ""
    console.print(
        f"[bold]Export {out.id}[/bold] batch {out.batch_id} · {out.status_label}{rows} · "
        f"{out.requested_at:%Y-%m-%d %H:%M} by {escape(out.requested_by)}"
    )
    console.print(f"  filters: {escape(_filters(out))}")
    if out.path:
        workbook = storage.absolute(get_settings().data_dir.resolve(), out.path)
        console.print(f"  workbook: {escape(str(workbook))}")
    if out.error:
        console.print(f"  [red]error: {escape(out.error)}[/red]")


def show_exports(items: list[ExportOut]) -> None:
    from photoflow.cli.output import console

    if not items:
        console.print("no exports / 无导出记录")
    for out in items:
        show_export(out)


def _filters(out: ExportOut) -> str:
    shown = {name: value for name, value in out.filters.items() if name != "batch_id"}
    return (
        " · ".join(
            f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for name, value in shown.items()
        )
        or "all records"
    )
