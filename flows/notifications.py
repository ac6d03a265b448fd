"""Deliver the notice outbox: every due notice once, the rest waiting for their next try.

Notices are written by the rejections themselves (in their transactions); this flow only sends. It
runs at the end of each batch run and on its own schedule, so an SMTP outage delays notices but
loses none.
"""

from __future__ import annotations

from prefect import flow

from schemas.notification_reports import DeliveryReport
from tasks.notifications import deliver_notices


@flow(name="notifications")
def notifications_flow() -> DeliveryReport:
    """Send every due student notice from the outbox."""
    return deliver_notices()
