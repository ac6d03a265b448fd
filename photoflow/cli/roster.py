"""`photoflow roster` and `photoflow template`: the roster template, roster uploads and their reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

from photoflow.cli.options import (
    CategoryOption,
    InstitutionOption,
    JsonOption,
    LearningCentreOption,
    WideOption,
    YesOption,
    confirm,
    require_contract,
)
from photoflow.cli.output import (
    MAX_ERRORS_SHOWN,
    FitTable,
    console,
    emit_json,
    in_data_dir,
    show_problems,
    show_table,
)
from photoflow.errors import PhotoflowError
from photoflow.settings import get_settings
from schemas.reports import DeleteReport, UploadReport

template_app = typer.Typer(no_args_is_help=True, help="Blank templates for institutions to fill.")
roster_app = typer.Typer(no_args_is_help=True, help="Roster uploads: upload, list, show, delete.")


@template_app.command("roster")
def template_roster(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .xlsx template.")],
) -> None:
    """Write the roster template: Chinese headers, ID numbers as text, input hints, drop-downs."""
    from photoflow.roster.workbook import write_roster_workbook

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the template is an Excel workbook: name it *.xlsx", param_hint="--output")
    write_roster_workbook(output)
    typer.echo(f"roster template written to {output}")


@roster_app.command("upload")
def roster_upload(
    file: Annotated[Path, typer.Argument(help="The roster, .xlsx or .csv (UTF-8, UTF-8 with BOM, or GBK).")],
    institution: InstitutionOption,
    category: CategoryOption,
    learning_centre: LearningCentreOption = "",
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Check every row of a roster against the data contract and add the good rows to the batch."""
    if file.is_dir():
        from photoflow.roster.staging import FOLDER_NOT_ROSTER

        raise PhotoflowError(f"{file}: {FOLDER_NOT_ROSTER}")
    if not file.is_file():
        raise PhotoflowError(f"{file}: no such file")
    code, parsed = require_contract(institution, category)
    from flows.roster_upload import roster_upload_flow
    from photoflow.roster.ingest import RosterRefused

    try:
        report = cast(  # a refusal's Failed state is raised here as the RosterRefused below
            UploadReport,
            roster_upload_flow(
                str(file.resolve()),
                code,
                parsed,
                learning_centre=learning_centre.strip(),
                file_name=file.name,
            ),
        )
    except RosterRefused as refusal:  # its flow run is Failed; people see the rejected upload's report
        report = refusal.report
    emit_json(report) if as_json else show_upload(report, wide=wide)
    if report.error_message:
        raise typer.Exit(code=1)


@roster_app.command("list")
def roster_list(
    institution: Annotated[str | None, typer.Option(help="Only this institution's uploads.")] = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """List roster uploads with their batch_id (what the batch commands take) and totals."""
    from photoflow.database import default_engine
    from photoflow.roster.uploads import list_uploads
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        reports = list_uploads(session, institution)
    emit_json(reports) if as_json else show_uploads(reports, wide=wide)


@roster_app.command("show")
def roster_show(upload_id: int, wide: WideOption = False, as_json: JsonOption = False) -> None:
    """Show one upload's report, with every failed row and why."""
    from photoflow.database import default_engine
    from photoflow.roster.uploads import upload_report
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        report = upload_report(session, upload_id)
    emit_json(report) if as_json else show_upload(report, wide=wide)


@roster_app.command("delete")
def roster_delete(upload_id: int, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Delete an upload: its records without a photo are removed; the others are kept and listed."""
    from photoflow.database import default_engine
    from photoflow.roster.uploads import delete_upload, deletion_preview, upload_report
    from schemas.db import session_scope

    if not yes:
        with session_scope(default_engine()) as session:
            name, plan = upload_report(session, upload_id).file_name, deletion_preview(session, upload_id)
        confirm(
            f"Delete roster upload {upload_id} ({name}): remove {plan.removed} record(s) still awaiting "
            f"a photo, keep {len(plan.kept)} that already have one"
        )
    with session_scope(default_engine()) as session:
        report = delete_upload(session, upload_id, actor=get_settings().actor)
    emit_json(report) if as_json else show_deletion(report)


def show_upload(report: UploadReport, *, wide: bool = False) -> None:
    console.print(
        f"[bold]Upload {report.upload_id}[/bold] {report.file_name} · institution {report.institution} · "
        f"{report.category} · {report.status_label}"
    )
    if report.error_message:
        console.print(f"[red]{report.error_message}[/red]")
        return
    console.print(
        f"总上传 total {report.total} · 上传成功 succeeded {report.succeeded} · "
        f"未变化 unchanged {report.unchanged} · 上传失败 failed {report.failed}"
    )
    if not report.errors:
        return
    rows = [
        (f"行 row {e.row}", e.column, e.value or "", f"{e.reason} / {e.reason_en}")
        for e in report.errors[:MAX_ERRORS_SHOWN]
    ]
    show_problems(("行 Row", "列 Column", "值 Value", "原因 Reason"), 3, rows, wide=wide)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(report.errors) - MAX_ERRORS_SHOWN} more; all are in the error report.")
    if report.error_report:
        console.print(f"Error report / 错误报告: {in_data_dir(report.error_report)}")


def show_uploads(reports: list[UploadReport], *, wide: bool = False) -> None:
    """A row per upload with its batch_id (what the batch commands take); --wide adds the institution,
    the category and the unchanged rows."""
    from schemas.enums import UploadStatus

    table = FitTable(
        "ID",
        "Batch",
        "File",
        "Institution",
        "Category",
        "Status",
        "Total",
        "OK",
        "Unchanged",
        "Failed",
        extra=("Institution", "Category", "Unchanged"),
        wide=wide,
    )
    for r in reports:
        status = r.status_label if wide else UploadStatus(r.status).zh
        table.add_row(
            str(r.upload_id),
            str(r.batch_id),
            escape(r.file_name),
            r.institution,
            r.category,
            status,
            str(r.total),
            str(r.succeeded),
            str(r.unchanged),
            str(r.failed),
        )
    show_table(table)


def show_deletion(report: DeleteReport) -> None:
    console.print(f"Upload {report.upload_id}: removed {report.removed} record(s) still awaiting a photo.")
    if report.kept:
        table = FitTable("Record", "Row", "ID number", "Kept because")
        for kept in report.kept:
            table.add_row(str(kept.record_id), str(kept.row), kept.id_number, kept.reason)
        console.print(f"Kept {len(report.kept)} record(s):")
        show_table(table)
