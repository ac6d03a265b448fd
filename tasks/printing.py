"""Tasks of print orders, each wrapping one domain step of photoflow.printing."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from photoflow.database import default_engine
from photoflow.printing.batch_order import BatchPrint, BatchPrintOrder, batch_print_order
from photoflow.printing.orders import build_order
from photoflow.settings import get_settings
from schemas.print_reports import PrintOrderOut


# A retry is safe: an order whose sub-packages exist is returned as it is.
@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def build_print_order(order_id: int) -> PrintOrderOut:
    """Write the order's print-ready sheets and manifest workbooks, one per sub-package."""
    built = build_order(default_engine(), get_settings(), order_id)
    get_run_logger().info(
        "print order %d: %d photos in %d sub-packages, %d sheets",
        order_id,
        built.photos,
        len(built.sub_packages),
        sum(sub.sheets for sub in built.sub_packages),
    )
    return built


@task(cache_policy=NO_CACHE)
def order_batch_prints(batch_id: int, wanted: BatchPrint, actor: str) -> BatchPrintOrder:
    """The batch's print order for the layout: found, made now, or waiting while records are in review."""
    decided = batch_print_order(default_engine(), batch_id, wanted, actor=actor)
    if decided.waiting:
        get_run_logger().info("batch %d prints later: %s", batch_id, decided.waiting)
    return decided
