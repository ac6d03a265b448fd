"""Registry commands: submit a batch, reconcile pending submissions, list them, put gave-up ones back."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import BatchOption, JsonOption, WideOption, existing_batch, parse_choice
from photoflow.cli.output import (
    ID_COLUMN,
    MAX_ERRORS_SHOWN,
    FitTable,
    console,
    emit_json,
    emit_json_list,
    show_table,
)
from schemas.registry_reports import SubmissionOut, SubmissionReport

registry_app = typer.Typer(
    no_args_is_help=True, help="Registry submission (上网): submit, reconcile, status, retry."
)


@registry_app.command("submit")
def registry_submit(batch: BatchOption, as_json: JsonOption = False) -> None:
    """Submit the batch's collected records and wait a while for the registry's answers."""

    batch_id = existing_batch(batch)
    from flows.submission import submission_flow

    report = submission_flow(batch_id)
    emit_json(report) if as_json else show_submission_report(report)
    if report.run.registry_error:
        raise typer.Exit(code=1)


@registry_app.command("reconcile")
def registry_reconcile(as_json: JsonOption = False) -> None:
    """Resend what is due (every batch) and apply the registry's answers to pending submissions."""
    from flows.registry_reconcile import registry_reconcile_flow

    report = registry_reconcile_flow()
    emit_json(report) if as_json else show_submission_report(report)
    if report.run.registry_error:
        raise typer.Exit(code=1)


@registry_app.command("status")
def registry_status(
    batch: BatchOption,
    state: Annotated[
        str | None, typer.Option("--state", help="queued, accepted, registered, rejected or unreachable.")
    ] = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """The batch's submissions, newest first."""
    from photoflow.database import default_engine
    from photoflow.registry.listing import list_submissions
    from schemas.submissions import SubmissionState

    wanted = parse_choice(SubmissionState, state, "--state") if state else None
    found = list_submissions(default_engine(), existing_batch(batch), state=wanted)
    emit_json_list(found) if as_json else show_submissions(found, wide=wide)


@registry_app.command("retry")
def registry_retry(
    batch: BatchOption,
    id_number: Annotated[
        list[str] | None, typer.Option("--id-number", help="Only this student; repeat for more.")
    ] = None,
) -> None:
    """Put submissions that gave up on an unreachable registry back in line (run submit or reconcile next)."""
    from photoflow.database import default_engine
    from photoflow.registry.queueing import resubmit_unreachable
    from photoflow.settings import get_settings

    count = resubmit_unreachable(
        default_engine(), existing_batch(batch), actor=get_settings().actor, id_numbers=id_number or ()
    )
    typer.echo(f"{count} submission(s) of batch {batch} back in line for the registry")


def show_submission_report(report: SubmissionReport) -> None:
    from schemas.submissions import SubmissionState

    run = report.run
    scope = f"batch {report.batch_id}" if report.batch_id is not None else "all batches"
    console.print(
        f"[bold]Registry submission[/bold] {scope} · 入队 queued {run.queued} · 发送 sent {run.sent} · "
        f"受理 accepted {run.accepted} · 上网成功 registered {run.registered} · "
        f"上网失败 rejected {run.rejected} · 无法连接 gave up {run.unreachable}"
    )
    totals = " · ".join(
        f"{SubmissionState(state).label} {count}" for state, count in sorted(report.states.items())
    )
    console.print(f"  now: {totals or 'no submissions'} · still pending {report.pending}")
    if report.held and report.held_until:
        console.print(
            f"  {report.held} queued held by a sending run until {report.held_until:%H:%M:%S} UTC: "
            "sent by it, or by the next run after then"
        )
    if run.registry_error:
        console.print(f"  [yellow]registry: {escape(run.registry_error)}[/yellow]")
    for problem in run.problems[:MAX_ERRORS_SHOWN]:
        console.print(f"  not queued: {escape(problem)}")


def show_submissions(items: list[SubmissionOut], *, wide: bool = False) -> None:
    """Name, ID, state and why at 80 columns; --wide adds the record, attempt, tries and the receipt."""
    from schemas.submissions import SubmissionState

    if not items:
        console.print("no submissions / 无上网记录")
        return
    table = FitTable(
        "Record",
        "姓名 Name",
        ID_COLUMN,
        "Attempt",
        "状态 State",
        "Tries",
        "Receipt",
        "原因 Reason",
        extra=("Record", "Attempt", "Tries", "Receipt"),
        wide=wide,
    )
    for item in items:
        state = item.state_label if wide else SubmissionState(item.state).zh
        table.add_row(
            str(item.record_id),
            escape(item.name),
            item.id_number,
            str(item.attempt_no),
            state,
            str(item.tries),
            item.receipt or "",
            escape(item.reason or ""),
        )
    show_table(table)
