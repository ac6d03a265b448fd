"""The nightly SLA and pass-rate report: every table and chart of `photoflow report`, in a dated folder.

Scheduled at 02:00 China time (prefect.yaml), so each morning starts with yesterday's pass rates,
time per status, reviewer throughput, score distributions, reshoot rates, and which batches' manual
queues are due or overdue against the review SLA (and how many decisions came late).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from photoflow import storage
from photoflow.analytics.report import ReportFormat, write_report
from photoflow.database import default_engine
from photoflow.settings import get_settings


@task(cache_policy=NO_CACHE)
def write_nightly_report(fmt: ReportFormat) -> list[str]:
    """Write the report into data_dir/reports/<China date>/."""
    folder = storage.reports_dir(get_settings().data_dir, datetime.now(ZoneInfo("Asia/Shanghai")).date())
    written = write_report(default_engine(), folder, fmt=fmt)
    get_run_logger().info("report: %d files in %s", len(written), folder)
    return [str(path) for path in written]


@flow(name="report")
def report_flow(fmt: ReportFormat = "parquet") -> list[str]:
    """The analysts' tables and charts, as of now."""
    return write_nightly_report(fmt)
