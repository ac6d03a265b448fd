"""One chunk of a chunked stage (stage 1, screening, stage 3), run and logged alike by each stage's task.

Each stage's domain step takes the engine, the settings and the chunk's ids and stamps its events with the
flow run; its task adds the retries and a log line of how much of the chunk it did.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Protocol, TypeVar

from prefect import get_run_logger
from prefect.runtime import flow_run
from sqlalchemy import Engine

from photoflow.database import default_engine
from photoflow.settings import Settings, get_settings

Done = TypeVar("Done")


class ChunkStep(Protocol[Done]):
    """A domain step over one chunk of ids: `review_attempts`, `screen_attempts`, `compare_records`."""

    def __call__(
        self,
        engine: Engine,
        settings: Settings,
        ids: list[int],
        /,
        *,
        actor: str,
        flow_run_id: str | None = None,
    ) -> list[Done]: ...


def run_chunk(step: ChunkStep[Done], ids: list[int], actor: str) -> list[Done]:
    """`step` on one chunk, on the configured database, its events stamped with this flow run."""
    return step(default_engine(), get_settings(), ids, actor=actor, flow_run_id=flow_run.id)


def log_chunk(message: str, done: Sized, ids: Sized, *counts: int) -> None:
    """One line per chunk: `message` opens with `%d of %d` (how many of the chunk's ids were done)."""
    get_run_logger().info(message, len(done), len(ids), *counts)
