"""Notice commands: deliver the outbox now, and list notices for ops (who was told, who could not be)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import BatchFilter, JsonOption, WideOption, parse_choice

notify_app = typer.Typer(no_args_is_help=True, help="Student notices (reshoot requests): send, list.")


@notify_app.command("send")
def notify_send(as_json: JsonOption = False) -> None:
    """Deliver every due notice from the outbox over SMTP; the rest wait for their next try."""
    from flows.notifications import notifications_flow
    from photoflow.cli.output import console, emit_json

    report = notifications_flow()
    if as_json:
        emit_json(report)
    else:
        console.print(
            f"[bold]Notices[/bold] 已发送 sent {report.sent} · 稍后重试 retry later {report.retry_later} · "
            f"发送失败 failed {report.failed} · 无邮箱 no address {report.no_address} · "
            f"still pending {report.still_pending}"
        )
        if report.message:
            console.print(f"  {escape(report.message)}")


@notify_app.command("list")
def notify_list(
    status: Annotated[
        str | None, typer.Option("--status", help="pending, sent, failed or no_address.")
    ] = None,
    batch: BatchFilter = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Notices, newest first, with masked addresses and the last delivery error."""
    from photoflow.cli.output import FitTable, console, emit_json_list, show_table
    from photoflow.database import default_engine
    from photoflow.notify.delivery import list_notices
    from schemas.notifications import NotificationStatus

    wanted = parse_choice(NotificationStatus, status, "--status") if status else None
    found = list_notices(default_engine(), status=wanted, batch_id=batch)
    if as_json:
        emit_json_list(found)
        return
    if not found:
        console.print("no notices / 无通知")
        return
    table = FitTable(
        "Notice",
        "Record",
        "收件人 To",
        "状态 Status",
        "Tries",
        "Sent",
        "Last error",
        extra=("Tries", "Sent"),
        wide=wide,
    )
    for notice in found:
        sent = f"{notice.sent_at:%Y-%m-%d %H:%M}" if notice.sent_at else ""
        table.add_row(
            str(notice.id),
            str(notice.record_id),
            notice.recipient,
            notice.status_label,
            str(notice.tries),
            sent,
            escape(notice.last_error or ""),
        )
    show_table(table)
