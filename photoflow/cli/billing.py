"""`photoflow billing`: the contract's price times the photos collected, per institution, category, month."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import JsonOption, WideOption


def billing_command(
    institution: Annotated[str | None, typer.Option("--institution", help="Only this institution.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (China time).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (China time).")] = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Billing: the contract's price times the photos first collected, per institution, category and month."""
    from photoflow.billing import billing
    from photoflow.cli.output import FitTable, console, emit_json, show_table
    from photoflow.database import default_engine
    from schemas.enums import EducationCategory

    summary = billing(
        default_engine(), institution_code=institution, start=_day(start, "--from"), end=_day(end, "--to")
    )
    if as_json:
        emit_json(summary)
        return
    # headers in two lines, so the figures' columns are as narrow as the figures and the names get the room
    table = FitTable(
        "院校 Institution",
        "学历类别\nCategory",
        "月份\nMonth",
        "照片\nPhotos",
        "单价\nPrice",
        "金额\nAmount",
        wide=wide,
    )
    for line in summary.lines:
        category = line.category_label if wide else EducationCategory(line.category).zh
        table.add_row(
            f"{line.institution_code} {escape(line.institution_name)}",
            category,
            line.period,
            str(line.photos),
            f"{line.price_per_photo:.2f}",
            f"{line.amount:.2f}",
        )
    show_table(table)
    console.print(f"total: {summary.total_photos} photos, {summary.total_amount:.2f}")


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date like 2026-06-30", param_hint=option) from None
