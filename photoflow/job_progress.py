"""How far a long job has got, for a progress bar: the stages report each photo or record as it is done.

Domain code, with no Prefect and no terminal in it, wraps the results it waits for in `track(job, ...)`.
The CLI installs a reporter (a rich bar on a terminal) for the length of a command; without one
(deployments, worker processes, tests) `track` hands the items through and costs nothing. A stage that
works in chunks tracks each chunk under the same job name, and the reporter adds the chunks up.
(`photoflow.progress` is something else: the records-per-status view.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

Item = TypeVar("Item")

INTAKE = "photo intake"
REVIEW = "stage 1 review"
SCREENING = "screening (tamper checks)"
EMBEDDINGS = "face embeddings"
EXPORT = "export rows"
PRINT = "print sheets"


class Reporter(Protocol):
    def start(self, job: str, total: int) -> None:
        """`total` more items of `job` are on their way."""

    def advance(self, job: str, done: int) -> None:
        """`done` more items of `job` are finished."""


_reporter: Reporter | None = None


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send every job's progress in this process to `reporter` until the block ends."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield
    finally:
        _reporter = previous


def track(job: str, items: Iterable[Item], total: int) -> Iterator[Item]:
    """The items, in order, each counted as done once it has been handed on."""
    reporter = _reporter
    if reporter is None:
        yield from items
        return
    reporter.start(job, total)
    for item in items:
        yield item
        reporter.advance(job, 1)
