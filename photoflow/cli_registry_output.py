"""How `photoflow registry` shows its reports to people: a summary line and rich tables."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from photoflow.cli_output import MAX_ERRORS_SHOWN, console
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
    if report.held and report.held_until:
        console.print(f"  {report.held} queued held by a sending run until {report.held_until:%H:%M:%S} UTC: "
                      "sent by it, or by the next run after then")  # fmt: skip
    console.print(f"  now: {totals or 'no submissions'} · still pending {report.pending}")
    if run.registry_error:
        console.print(f"  [yellow]registry: {escape(run.registry_error)}[/yellow]")
    for problem in run.problems[:MAX_ERRORS_SHOWN]:
        console.print(f"  not queued: {escape(problem)}")


def show_submissions(items: list[SubmissionOut]) -> None:
    if not items:
        console.print("no submissions / 无上网记录")
        return
    table = Table(
        "Record", "姓名 Name", "证件号 ID", "Attempt", "状态 State", "Tries", "Receipt", "原因 Reason"
    )
    for item in items:
        table.add_row(str(item.record_id), item.name, item.id_number, str(item.attempt_no), item.state_label,
                      str(item.tries), item.receipt or "", escape(item.reason or ""))  # fmt: skip
    console.print(table)
