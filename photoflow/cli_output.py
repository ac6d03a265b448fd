"""How commands show results: rich tables for people, one JSON object with `--json`."""

from __future__ import annotations

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from photoflow.settings import get_settings
from schemas.reports import DeleteReport, UploadReport

console = Console(highlight=False)
MAX_ERRORS_SHOWN = 50


def emit_json(payload: BaseModel | list[BaseModel]) -> None:
    if isinstance(payload, list):
        typer.echo("[" + ",".join(item.model_dump_json() for item in payload) + "]")
    else:
        typer.echo(payload.model_dump_json(indent=2))


def show_upload(report: UploadReport) -> None:
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
    table = Table("行 Row", "列 Column", "值 Value", "原因 Reason")
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(str(error.row), error.column, error.value or "", f"{error.reason}\n{error.reason_en}")
    console.print(table)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(report.errors) - MAX_ERRORS_SHOWN} more; all are in the error report.")
    if report.error_report:
        console.print(f"Error report / 错误报告: {(get_settings().data_dir / report.error_report).resolve()}")


def show_uploads(reports: list[UploadReport]) -> None:
    table = Table("ID", "File", "Institution", "Category", "Status", "Total", "OK", "Unchanged", "Failed")
    for r in reports:
        table.add_row(
            str(r.upload_id),
            r.file_name,
            r.institution,
            r.category,
            r.status_label,
            str(r.total),
            str(r.succeeded),
            str(r.unchanged),
            str(r.failed),
        )
    console.print(table)


def show_deletion(report: DeleteReport) -> None:
    console.print(f"Upload {report.upload_id}: removed {report.removed} record(s) still awaiting a photo.")
    if report.kept:
        table = Table("Record", "Row", "ID number", "Kept because")
        for kept in report.kept:
            table.add_row(str(kept.record_id), str(kept.row), kept.id_number, kept.reason)
        console.print(f"Kept {len(report.kept)} record(s):")
        console.print(table)
