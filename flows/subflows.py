"""Stage subflows called from a parent flow (batch, advance) leave heartbeats to the parent run.

Prefect 3.8 ends every flow run by joining its heartbeat thread, which sleeps in one-second steps, so
each subflow call costs up to a second of waiting: seven stages made a batch run 7 s slower than its
work. Heartbeats tell the server that the process running a flow is alive; the parent run's heartbeat
(left on) already says that for every subflow in the same process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def parent_heartbeat_only() -> Iterator[None]:
    """Subflows started inside this block send no heartbeats of their own."""
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
