"""`photoflow demo`: one batch through the whole DAG, printed as each step of the batch's story (in the
tables of the commands that step stands for), then the summary table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from photoflow import storage
from photoflow.cli.enrollment import show_enrollment_upload
from photoflow.cli.options import JsonOption
from photoflow.cli.output import console, emit_json
from photoflow.cli.photos import show_auto_review, show_intake
from photoflow.cli.prints import show_order
from photoflow.cli.registry import show_submission_report
from photoflow.cli.roster import show_upload
from photoflow.cli.similarity import show_held, show_hold_decision, show_similarity
from photoflow.settings import get_settings

if TYPE_CHECKING:  # the demo itself loads the whole pipeline: only when it runs
    from photoflow.sandbox.demo import DemoReport
    from schemas.run_reports import BatchRun


def demo(
    workdir: Annotated[
        Path | None, typer.Option(help="Folder for the demo's database and files (emptied first).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run one batch of 50 students through the whole DAG in a fresh folder and print what happened."""
    from photoflow.sandbox.demo import run_demo

    result = run_demo(workdir or storage.demo_dir(get_settings().data_dir))
    emit_json(result) if as_json else show_demo(result)


def show_demo(result: DemoReport) -> None:
    data = Path(result.workdir) / "data"
    console.print(f"[bold]photoflow demo[/bold] in {result.workdir}: batch {result.batch_id}")
    console.print(f"Contract: {result.contract}\nTemplate: {result.template}")
    _step(1, f"The institution uploads its roster ({result.roster.file_name})")
    show_upload(result.roster)
    _step(2, "The batch flow runs: the fixed roster, the photo folder, stage 1, the manual queue")
    _show_run(result.first_run)
    console.print(f"  spec images and overlays: {storage.derived_dir(data)}")
    _step(3, "The institution uploads enrollment photos (录取照片) by ID number")
    show_enrollment_upload(result.enrollment)
    _step(4, f"A reviewer works the manual queue: {result.reviewer}")
    _step(5, "The advance flow (every 10 minutes) carries the decisions on")
    for report in result.advance.similarity:
        show_similarity(report)
    for submitted in result.advance.submission:
        show_submission_report(submitted)
    _step(6, "The admin decides the held records; the too-big enrollment photo is sent again")
    show_held(result.held)
    for decision in result.decisions:
        show_hold_decision(decision)
    show_enrollment_upload(result.late_enrollment)
    _step(7, "The batch flow runs again: it finishes what is left and orders the prints")
    _show_run(result.second_run)
    if result.prints_skipped:
        console.print(f"  prints skipped: {escape(result.prints_skipped)}")
    _step(8, "Deliverables")
    assert result.export.path is not None  # the demo's export is done
    console.print(
        f"  export {result.export.id} ({result.export.status_label}): {result.export.rows} rows, "
        f"{data / result.export.path}"
    )
    console.print(
        f"  download package {result.download.id}: {result.download.records} records, "
        f"{data / result.download.photos_path}"
    )
    for line in result.billing.lines:
        console.print(
            f"  billing {line.period} {line.category_label}: "
            f"{line.photos} x {line.price_per_photo} = {line.amount}"
        )
    console.print(f"  student notices in the outbox (no SMTP server in the demo): {result.notices}")
    _show_summary(result)
    console.print(
        "\n[bold]The web app on the demo's data[/bold] (review queue, held records, progress):\n"
        f"  export PHOTOFLOW_DATA_DIR={data}\n"
        "  printf '%s\\n' \"$PASSWORD\" | photoflow user add ops1 --role ops --password-stdin\n"
        "  photoflow serve   # then open http://127.0.0.1:8000"
    )


def _step(number: int, title: str) -> None:
    console.print(f"\n[bold]{number}. {title}[/bold]")


def _show_run(run: BatchRun) -> None:
    for upload in run.rosters:
        show_upload(upload)
    for intake in run.photo_intakes:
        show_intake(intake)
    if run.auto_review.reviewed:
        show_auto_review(run.auto_review)
    if run.similarity.considered:
        show_similarity(run.similarity)
    if run.submission.run.sent or run.submission.run.registered:
        show_submission_report(run.submission)
    if run.print_order is not None:
        show_order(run.print_order)
    elif run.print_waiting:
        console.print(f"  prints: {run.print_waiting}")


def _show_summary(result: DemoReport) -> None:
    table = Table(title=f"Batch {result.batch_id}: records per status")
    table.add_column("status")
    table.add_column("状态 / Status")
    table.add_column("records", justify="right")
    for item in result.statuses:
        if item.count:
            table.add_row(item.status, f"{item.zh} / {item.en}", str(item.count))
    table.add_row("", "total", str(sum(item.count for item in result.statuses)), style="bold")
    console.print()
    console.print(table)
    console.print(
        f"Registry simulator: received {result.received} submissions for {result.distinct} distinct "
        f"records ({result.registry['registered']} registered, {result.registry['rejected']} rejected, "
        f"{result.registry['faults_injected']} faults injected); events logged: {result.events_logged}"
    )
