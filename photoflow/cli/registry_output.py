"""How `photoflow registry` shows its reports to people: a summary line and rich tables."""

from __future__ import annotations

from rich.markup import escape

from photoflow.cli.output import ID_COLUMN, MAX_ERRORS_SHOWN, FitTable, console, show_table
from schemas.registry_reports import SubmissionOut, SubmissionReport
from schemas.submissions import SubmissionState


def show_submission_report(report: SubmissionReport) -> None:
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
