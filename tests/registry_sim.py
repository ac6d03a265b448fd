"""The registry simulator on a local port: the `registry_sim` fixture for registry tests.

Each test gets its own simulator (fresh state, no faults) served by uvicorn in a daemon thread
(`photoflow.sandbox.background_server`), so the client under test speaks real HTTP to it, a test can switch
faults on while it runs, and `sim.stats()` tells afterwards what the registry received. The flow and
registry tests both use it, so `tests/conftest.py` registers it; builders of packages are in
`tests.registry_helpers`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from photoflow.registry.client import RegistryClient
from photoflow.sandbox.background_server import serving
from photoflow.sandbox.registry_simulator import RegistrySimulator
from tests.registry_helpers import TOKEN


@dataclass
class RunningRegistry:
    url: str
    token: str
    sim: RegistrySimulator

    def client(self, **options: Any) -> RegistryClient:
        """A client of this simulator that retries fast: 0.01 s backoff, 1 s timeout, unless given."""
        settings = {"timeout_s": 1.0, "tries": 5, "backoff_s": 0.01, "backoff_max_s": 0.05} | options
        return RegistryClient(self.url, self.token, **settings)


@pytest.fixture
def registry_sim() -> Iterator[RunningRegistry]:
    sim = RegistrySimulator(TOKEN)
    with serving(sim.app, name="registry-sim") as url:
        yield RunningRegistry(url, TOKEN, sim)
