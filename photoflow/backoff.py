"""Waits between rounds of a retried job (a notice, a registry package) that failed for a passing reason."""

from __future__ import annotations

import math
import random
from datetime import timedelta


def doubling_delay(first_s: float, tries: int, *, max_s: float = math.inf, jitter: float) -> timedelta:
    """The wait after the `tries`-th failure: `first_s` doubled each time, capped at `max_s`, and cut by up
    to the `jitter` fraction at random, so jobs that failed together do not come back together."""
    doubled = first_s * 2 ** min(tries - 1, 60)
    return timedelta(seconds=min(doubled, max_s) * random.uniform(1 - jitter, 1))
