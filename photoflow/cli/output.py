"""How commands show results: rich tables for people, one JSON object with `--json`.

What several command groups show the same way lives here (the 80-column table, refused files or rows,
JSON with full paths); each group's own reports are drawn in its module (`photoflow.cli.roster`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

from photoflow import storage
from photoflow.settings import get_settings
from schemas.reports import FileProblemOut, UploadReport

console = Console(highlight=False)
MAX_ERRORS_SHOWN = 50
ID_COLUMN = Column("证件号 ID", no_wrap=True, min_width=18)  # a wrapped ID number reads as two


class FitTable(Table):
    """A table that reads at 80 columns: cells fold instead of ending in '…' (a cut name or path reads
    as another one), and the columns named in `extra` appear only with `--wide`."""

    def __init__(
        self, *headers: str | Column, extra: tuple[str, ...] = (), wide: bool = False, **options
    ) -> None:
        self.wide = wide
        self.shown = [wide or _header(column) not in extra for column in headers]
        kept = (column for column, shown in zip(headers, self.shown, strict=True) if shown)
        super().__init__(*kept, **options)
        for column in self.columns:
            column.overflow = "fold" if column.overflow == "ellipsis" else column.overflow

    def add_row(self, *cells, **options) -> None:
        super().add_row(*(cell for cell, shown in zip(cells, self.shown, strict=True) if shown), **options)


def _header(column: str | Column) -> str:
    return column if isinstance(column, str) else str(column.header)


def show_table(table: Table) -> None:
    """Print a table; a --wide one at its natural width, even past the terminal's (a wide window or
    `less -S` shows it whole), as folding every column into 80 would undo what --wide asked for."""
    if isinstance(table, FitTable) and table.wide:
        natural = Measurement.get(console, console.options.update(width=10_000), table).maximum
        Console(file=console.file, width=max(natural, console.width), highlight=False).print(table)
    else:
        console.print(table)


def show_problems(
    headers: tuple[str, ...], keyed: int, rows: Sequence[tuple[str, ...]], *, wide: bool
) -> None:
    """Refused files or rows: at 80 columns each one as a line of its `keyed` first cells (file, or row,
    column and value) and its reasons indented under it, folded like a paragraph: in a table the long
    Chinese-and-English reasons and hints wrap into columns a few characters wide, eight lines a row.
    `--wide` shows the table. Cells are text from uploads, printed as they are (never as markup)."""
    if wide:
        table = FitTable(*headers, wide=True)
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        show_table(table)
        return
    for row in rows:
        console.print(Text(" · ".join(cell for cell in row[:keyed] if cell), style="bold"))
        console.print(Padding(Text("\n".join(cell for cell in row[keyed:] if cell)), (0, 0, 0, 4)))


def show_refused_files(problems: list[FileProblemOut], *, wide: bool) -> None:
    """The files of a photo intake or an enrollment upload not accepted, and why (the first
    MAX_ERRORS_SHOWN; --json has all)."""
    if not problems:
        return
    rows = [(p.name, f"{p.reason} / {p.reason_en}", p.detail) for p in problems[:MAX_ERRORS_SHOWN]]
    show_problems(("文件 File", "原因 Reason", "说明 Detail"), 1, rows, wide=wide)
    if len(problems) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(problems) - MAX_ERRORS_SHOWN} more; use --json for all.")


def in_data_dir(relative: str | None) -> str | None:
    """The absolute path of a file the database names relative to the data folder (so moving the folder
    moves everything): what people and scripts are shown, not a path from a folder they never chose."""
    return None if relative is None else str(storage.absolute(get_settings().data_dir, relative).resolve())


def emit_json(payload: BaseModel | Sequence[BaseModel]) -> None:
    if isinstance(payload, BaseModel):
        typer.echo(absolute_paths(payload).model_dump_json(indent=2))
    else:
        typer.echo("[" + ",".join(absolute_paths(item).model_dump_json() for item in payload) + "]")


def emit_json_list(items: Sequence[BaseModel]) -> None:
    """A JSON array, even when it holds one item or none."""
    typer.echo("[" + ",".join(absolute_paths(item).model_dump_json(indent=2) for item in items) + "]")


def absolute_paths(payload: BaseModel) -> BaseModel:
    """`payload` with every file the database keeps relative to the data folder given as a full path,
    in nested reports too (the demo's): a script reading --json opens it from wherever it runs."""
    from schemas.download_reports import DownloadPackageOut
    from schemas.export_reports import ExportOut

    in_data_folder = {
        ExportOut: ("path",),
        DownloadPackageOut: ("table_path", "photos_path"),
        UploadReport: ("error_report",),
    }

    def walk(value):
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, BaseModel):
            return value
        update = {name: walk(field) for name, field in value if isinstance(field, BaseModel | list)}
        update |= {name: in_data_dir(getattr(value, name)) for name in in_data_folder.get(type(value), ())}
        return value.model_copy(update=update) if update else value

    return walk(payload)
