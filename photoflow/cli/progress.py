"""`photoflow progress`: how an institution, category or batch stands, and the records matching filters.

The same view as the web app's progress page (`photoflow.progress`), for ops at a terminal. ID numbers
are masked: a terminal's scrollback and a pasted screen are logs too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from photoflow.cli.options import (
    BatchFilter,
    CategoryFilter,
    ClassFilter,
    DepartmentFilter,
    EntryYearFilter,
    InstitutionFilter,
    JsonOption,
    LearningCentreFilter,
    MajorFilter,
    SearchFilter,
    StatusFilter,
    record_filter,
)

if TYPE_CHECKING:
    from schemas.progress import ProgressOut


def progress(
    ctx: typer.Context,
    institution: InstitutionFilter = None,
    category: CategoryFilter = None,
    batch: BatchFilter = None,
    status: StatusFilter = None,
    search: SearchFilter = "",
    learning_centre: LearningCentreFilter = None,
    department: DepartmentFilter = None,
    major: MajorFilter = None,
    class_name: ClassFilter = None,
    entry_year: EntryYearFilter = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page of matching records.")] = 1,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=500, help="Records per page.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Counts per status (over institution, category and batch) and the records matching every filter."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.progress import ProgressFilter
    from photoflow.progress import progress as progress_view

    wanted = ProgressFilter(record_filter(ctx.params), page=page, page_size=page_size)
    view = progress_view(default_engine(), wanted)
    emit_json(view) if as_json else show_progress(view)


def show_progress(view: ProgressOut) -> None:
    """The counts on one line, then the page of records: few columns, so a terminal fits them (--json
    has every field)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Column

    from photoflow.cli.output import FitTable, console, show_table
    from schemas.enums import RecordStatus

    scoped = sum(count.count for count in view.counts)
    counts = " · ".join(f"{count.label} {count.count}" for count in view.counts if count.count)
    console.print(f"[bold]Progress[/bold] · {scoped} record(s) · {counts or 'none yet'}")
    if not view.rows:
        console.print("no matching records / 无匹配记录")
        return
    batches = len({row.batch_id for row in view.rows}) > 1
    masked = Column("证件号 ID", no_wrap=True)  # a wrapped ID number reads as two
    table = FitTable(
        "Record",
        *(["Batch"] if batches else []),
        "姓名 Name",
        masked,
        "院系 Department",
        "班级 Class",
        Column("状态 Status", min_width=14),
        box=box.SIMPLE_HEAD,
    )
    for row in view.rows:
        table.add_row(
            str(row.record_id),
            *([str(row.batch_id)] if batches else []),
            escape(row.name),
            row.id_number,
            escape(row.department or ""),
            escape(row.class_name or ""),
            RecordStatus(row.status).zh,
        )
    show_table(table)
    more = " · --page N for more" if view.pages > 1 else ""
    console.print(f"第 {view.page}/{view.pages} 页 · 共 {view.total} 条 matching{more}")
