"""A print order: its sub-packages' sheets and manifests, written once, ready for the print shop.

The order row (待冲印) exists before the flow runs, so a crashed run leaves a visible order that a
rerun completes; its later moves (冲印中, 已寄出) are ops' and go through `photoflow print status`.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from schemas.print_reports import PrintOrderOut
from tasks.artifacts import publish_stage_summary
from tasks.printing import build_print_order


@flow(name="print-order")
def print_order_flow(order_id: int) -> PrintOrderOut:
    """Write the print-ready sheets and manifest of every sub-package of the order."""
    order = build_print_order(order_id)
    folder = Path(order.sub_packages[0].sheets_path).parent.as_posix() if order.sub_packages else None
    publish_stage_summary("print-order", order.batch_id, {"print order folder": folder})
    return order
