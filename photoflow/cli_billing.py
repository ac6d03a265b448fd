"""`photoflow billing`: the contract's price times the photos collected, per institution, category, month."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from photoflow.cli_options import JsonOption


def billing_command(
    institution: Annotated[str | None, typer.Option("--institution", help="Only this institution.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (China time).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (China time).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Billing: the contract's price times the photos first collected, per institution, category and month."""
    from photoflow.billing import billing
    from photoflow.cli_output import FitTable, console, emit_json, show_table
    from schemas.db import default_engine

    summary = billing(default_engine(), institution_code=institution, start=_day(start, "--from"),
                      end=_day(end, "--to"))  # fmt: skip
    if as_json:
        emit_json(summary)
        return
    table = FitTable(
        "院校 Institution", "学历类别 Category", "月份 Month", "照片 Photos", "单价 Price", "金额 Amount"
    )
    for line in summary.lines:
        table.add_row(f"{line.institution_code} {line.institution_name}", line.category_label, line.period,
                      str(line.photos), f"{line.price_per_photo:.2f}", f"{line.amount:.2f}")  # fmt: skip
    show_table(table)
    console.print(f"total: {summary.total_photos} photos, {summary.total_amount:.2f}")


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date like 2026-06-30", param_hint=option) from None
