"""`photoflow enrollment`: enrollment photos (录取照片) for the enrollment-photo comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column

from photoflow.cli.options import BatchOption, JsonOption, WideOption
from photoflow.cli.output import FitTable, console, emit_json, emit_json_list, show_refused_files, show_table
from schemas.enrollment import EnrollmentReport

COUNTS = ("Files", "Accepted", "Unchanged", "Not accepted")

enrollment_app = typer.Typer(no_args_is_help=True, help="Enrollment photos: upload a zip named by ID number.")


@enrollment_app.command("upload")
def enrollment_upload(
    zip_file: Annotated[
        Path,
        typer.Argument(
            metavar="ZIP", help="One .zip of enrollment photos named <证件号>.jpg, each under 100 KB."
        ),
    ],
    batch: BatchOption,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Keep each photo as its student's enrollment photo; list every file not accepted and why."""
    from photoflow.database import default_engine
    from photoflow.settings import get_settings
    from photoflow.similarity.enrollment import upload_enrollment_photos

    settings = get_settings()
    report = upload_enrollment_photos(
        default_engine(), settings, batch_id=batch, source=zip_file, actor=settings.actor
    )
    emit_json(report) if as_json else show_enrollment_upload(report, wide=wide)


@enrollment_app.command("list")
def enrollment_list(batch: BatchOption, as_json: JsonOption = False) -> None:
    """List the batch's enrollment uploads with their totals."""
    from photoflow.database import default_engine
    from photoflow.similarity.enrollment import list_enrollment_uploads

    reports = list_enrollment_uploads(default_engine(), batch)
    emit_json_list(reports) if as_json else show_enrollment_uploads(reports)


def show_enrollment_upload(report: EnrollmentReport, *, wide: bool = False) -> None:
    """The totals, then each file not accepted.

    Names come from the zip, so rich markup in them is escaped, and long paths are folded, never cut.
    """
    console.print(
        f"[bold]Enrollment upload {report.upload_id}[/bold] {escape(report.source_name)} · "
        f"batch {report.batch_id} · 文件 files {report.total} · 接收 accepted {report.accepted} · "
        f"未变化 unchanged {report.unchanged} · 未接收 not accepted {report.not_accepted}"
    )
    show_refused_files(report.problems, wide=wide)


def show_enrollment_uploads(reports: list[EnrollmentReport]) -> None:
    """One line per upload; who sent it and each refused file are in `--json`."""
    table = FitTable(
        "ID",
        Column("Zip", overflow="fold"),
        Column("Received (UTC)", min_width=10),  # wide enough that a narrow screen breaks at the space
        *(Column(header, justify="right") for header in COUNTS),
    )
    for r in reports:
        table.add_row(
            str(r.upload_id),
            escape(r.source_name),
            r.received_at.strftime("%Y-%m-%d %H:%M"),
            str(r.total),
            str(r.accepted),
            str(r.unchanged),
            str(r.not_accepted),
        )
    show_table(table)
