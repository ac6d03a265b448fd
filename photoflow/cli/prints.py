"""Print commands: request an order (split into sub-packages), list and show orders, move their status."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.options import (
    BatchFilter,
    BatchOption,
    ClassFilter,
    DepartmentFilter,
    EntryYearFilter,
    JsonOption,
    LearningCentreFilter,
    MajorFilter,
    WideOption,
    parse_choice,
    record_filter,
)

print_app = typer.Typer(
    no_args_is_help=True, help="Print orders (冲印): request, list, show, status, layouts."
)


@print_app.command("request")
def print_request(
    ctx: typer.Context,
    batch: BatchOption,
    layout: Annotated[str, typer.Option("--layout", help="A layout from `photoflow print layouts`.")],
    address: Annotated[str, typer.Option("--address", help="Where the prints are shipped.")],
    split_by: Annotated[
        list[str] | None,
        typer.Option(
            "--split-by", help="learning_centre, department, major, class_name or entry_year; repeat."
        ),
    ] = None,
    learning_centre: LearningCentreFilter = None,
    department: DepartmentFilter = None,
    major: MajorFilter = None,
    class_name: ClassFilter = None,
    entry_year: EntryYearFilter = None,
    as_json: JsonOption = False,
) -> None:
    """Order prints of the batch's collected or registered photos (all, or those the filters pick),
    one sub-package per value of the split, and write their sheets and manifests."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.printing.orders import request_print
    from photoflow.settings import get_settings

    order_id = request_print(
        default_engine(),
        record_filter(ctx.params),
        split_by=split_by or [],
        layout=layout,
        address=address,
        actor=get_settings().actor,
    )
    from flows.print_order import print_order_flow

    order = print_order_flow(order_id)
    emit_json(order) if as_json else show_order(order)


@print_app.command("list")
def print_list(
    batch: BatchFilter = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Print orders, newest first."""
    from photoflow.cli.output import FitTable, console, emit_json_list, show_table
    from photoflow.database import default_engine
    from photoflow.printing.orders import list_orders
    from photoflow.settings import get_settings
    from schemas.deliverables import PrintStatus

    orders = list_orders(default_engine(), get_settings(), batch_id=batch)
    if as_json:
        emit_json_list(orders)
        return
    table = FitTable(
        "Order",
        "Batch",
        "版式 Layout",
        "状态 Status",
        "Photos",
        "Sub-packages",
        "Address",
        extra=("Sub-packages",),
        wide=wide,
    )
    for order in orders:
        status = order.status_label if wide else PrintStatus(order.status).zh
        table.add_row(
            str(order.id),
            str(order.batch_id),
            order.layout_label,
            status,
            str(order.photos),
            str(len(order.sub_packages)),
            escape(order.address),
        )
    show_table(table) if orders else console.print("no print orders / 无冲印订单")


@print_app.command("show")
def print_show(
    order_id: Annotated[int, typer.Argument(help="Print order id.")],
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """One order with its sub-packages and the paths of their sheets and manifests."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.printing.orders import get_order
    from photoflow.settings import get_settings

    order = get_order(default_engine(), get_settings(), order_id)
    emit_json(order) if as_json else show_order(order, wide=wide)


@print_app.command("status")
def print_status(
    order_id: Annotated[int, typer.Argument(help="Print order id.")],
    status: Annotated[str, typer.Argument(help="printing (冲印中) or shipped (已寄出).")],
    note: Annotated[str, typer.Option("--note", help="E.g. the courier's tracking number.")] = "",
) -> None:
    """Move an order on: 待冲印 -> 冲印中 -> 已寄出."""
    from photoflow.database import default_engine
    from photoflow.printing.orders import move_order
    from photoflow.settings import get_settings
    from schemas.deliverables import PrintStatus

    target = parse_choice(PrintStatus, status, "STATUS")
    move_order(default_engine(), order_id, target, actor=get_settings().actor, note=note)
    typer.echo(f"print order {order_id}: {target.label}")


@print_app.command("layouts")
def print_layouts() -> None:
    """The print layouts (defined in data_contracts/print_layouts.toml)."""
    from data_contracts.print_layouts import load_print_layouts
    from photoflow.cli.output import FitTable, show_table
    from photoflow.printing.sheets import grid

    table = FitTable("Layout", "名称 Name", "Photos per sheet")
    for name, layout in load_print_layouts().items():
        table.add_row(name, layout.label, str(grid(layout).per_sheet))
    show_table(table)


def show_order(order, *, wide: bool = False) -> None:
    """The order, then its sub-packages: a line each with the paths of its files beneath (a path folded
    into a table column cannot be copied); --wide puts them in one table."""
    from photoflow.cli.output import FitTable, console, show_table

    console.print(
        f"[bold]Print order {order.id}[/bold] batch {order.batch_id} · {order.layout_label} · "
        f"{order.status_label} · {order.photos} photos · ship to {escape(order.address)}"
    )
    if not wide:
        for sub in order.sub_packages:
            console.print(f"  {escape(sub.name)} · {sub.photos} photos · {sub.sheets} sheet(s)")
            console.print(f"    sheets:   {escape(sub.sheets_path)}", overflow="fold")
            console.print(f"    manifest: {escape(sub.manifest_path)}", overflow="fold")
        return
    table = FitTable("Sub-package", "Photos", "Sheets", "Sheets file", "Manifest", wide=wide)
    for sub in order.sub_packages:
        table.add_row(escape(sub.name), str(sub.photos), str(sub.sheets), sub.sheets_path, sub.manifest_path)
    show_table(table)
