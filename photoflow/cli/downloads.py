"""Download commands: what can be downloaded now, make the one-time package, list past ones, fetch one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import BatchFilter, BatchOption, JsonOption, WideOption, existing_batch

download_app = typer.Typer(
    no_args_is_help=True,
    help="One-time download packages (information table + photos): list, create, records, get.",
)


@download_app.command("list")
def download_list(batch: BatchOption, wide: WideOption = False, as_json: JsonOption = False) -> None:
    """The batch's collected or registered records that no package holds yet (ID numbers masked)."""
    from photoflow.cli.output import ID_COLUMN, FitTable, console, emit_json_list, show_table
    from photoflow.database import default_engine
    from photoflow.downloads.packages import downloadable
    from schemas.enums import RecordStatus

    found = downloadable(default_engine(), existing_batch(batch))
    if as_json:
        emit_json_list(found)
        return
    if not found:
        console.print(f"batch {batch}: nothing to download now / 暂无可下载记录")
        return
    table = FitTable(
        "Record",
        "姓名 Name",
        ID_COLUMN,
        "状态 Status",
        "院系 Department",
        "班级 Class",
        extra=("Record", "院系 Department"),
        wide=wide,
    )
    for row in found:
        status = row.status_label if wide else RecordStatus(row.status).zh
        table.add_row(
            str(row.record_id),
            escape(row.name),
            row.id_number,
            status,
            escape(row.department or ""),
            escape(row.class_name or ""),
        )
    show_table(table)
    console.print(f"{len(found)} record(s) to download: `photoflow download create --batch {batch}`")


@download_app.command("create")
def download_create(
    batch: BatchOption,
    email: Annotated[
        str | None, typer.Option("--email", help="Also e-mail the package (or, if too large, its paths).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Package every downloadable record of the batch, once; exit 1 if the e-mail could not be sent."""
    from photoflow import storage
    from photoflow.cli.output import console, emit_json
    from photoflow.database import default_engine
    from photoflow.downloads.packages import create_package
    from photoflow.settings import get_settings

    settings = get_settings()
    package = create_package(
        default_engine(), settings, existing_batch(batch), actor=settings.actor, email=email
    )
    if as_json:
        emit_json(package)
    else:
        console.print(
            f"[bold]Download package {package.id}[/bold] batch {package.batch_id} · "
            f"{package.records} record(s) · {package.size_bytes} bytes"
        )
        root = settings.data_dir.resolve()
        console.print(f"  采集信息表 table:  {storage.absolute(root, package.table_path)}")
        console.print(f"  照片 photos:       {storage.absolute(root, package.photos_path)}")
        for problem in package.left_out:
            console.print(f"  left out (stays downloadable): {escape(problem)}")
        if package.email_outcome:
            console.print(f"  e-mail: {escape(package.email_outcome)}")
    if package.email_delivered is False:
        raise typer.Exit(code=1)


@download_app.command("records")
def download_records(
    batch: BatchFilter = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Past download packages, newest first; any of them can be fetched again with `download get`."""
    from photoflow.cli.output import FitTable, console, emit_json_list, show_table
    from photoflow.database import default_engine
    from photoflow.downloads.packages import list_packages

    found = list_packages(default_engine(), batch_id=existing_batch(batch) if batch is not None else None)
    if as_json:
        emit_json_list(found)
        return
    if not found:
        console.print("no download packages / 无下载记录")
        return
    table = FitTable(
        "Package",
        "Batch",
        "Records",
        "Bytes",
        "Created",
        "By",
        "E-mail",
        extra=("Bytes", "E-mail"),
        wide=wide,
    )
    for package in found:
        mailed = f"{package.emailed_to}: {package.email_outcome or ''}" if package.emailed_to else ""
        table.add_row(
            str(package.id),
            str(package.batch_id),
            str(package.records),
            str(package.size_bytes),
            f"{package.created_at:%Y-%m-%d %H:%M}",
            package.created_by,
            escape(mailed),
        )
    show_table(table)


@download_app.command("get")
def download_get(
    package_id: Annotated[int, typer.Argument(help="The package's ID (`photoflow download records`).")],
    as_json: JsonOption = False,
) -> None:
    """Where a past package's information table and photo zip are, to download them again."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.downloads.packages import package_files
    from photoflow.settings import get_settings

    files = package_files(default_engine(), get_settings(), package_id)
    if as_json:
        emit_json(files)
        return
    typer.echo(files.table_path)
    typer.echo(files.photos_path)
