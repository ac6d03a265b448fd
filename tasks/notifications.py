"""Tasks of student notices, each wrapping one domain step of photoflow.notify."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from photoflow.database import default_engine
from photoflow.notify.delivery import deliver_due
from photoflow.settings import get_settings
from schemas.notification_reports import DeliveryReport


# No task-level retries: a notice that fails waits in the outbox with its own backoff.
@task(cache_policy=NO_CACHE)
def deliver_notices() -> DeliveryReport:
    """Send due notices from the outbox over one SMTP connection."""
    delivered = deliver_due(default_engine(), get_settings())
    get_run_logger().info(
        "notices: %d sent, %d to retry later, %d failed, %d still pending",
        delivered.sent,
        delivered.retry_later,
        delivered.failed,
        delivered.still_pending,
    )
    return delivered
