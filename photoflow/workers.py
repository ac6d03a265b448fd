"""The process pool the photo stages share: spawned workers that keep their loaded models.

Workers are spawned, not forked: a fork of a process whose MediaPipe graphs have started their
threads inherits locks held by threads that do not exist in the child, and hangs. One pool per size
and process, so stage 1 and stage 3 work in the same workers and each model loads once per worker.
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import lru_cache
from typing import TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


@lru_cache(maxsize=2)
def process_pool(workers: int) -> Executor:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def run_jobs(function: Callable[[Job], Result], jobs: list[Job], workers: int) -> Iterable[Result]:
    """Results in job order; in this process when one worker (or one job) is all there is.

    Also in this process when it is daemonic, as a Dask worker is: a daemonic process may not start
    children, and there the cluster's worker processes are the parallelism.
    """
    if workers <= 1 or len(jobs) <= 1 or multiprocessing.current_process().daemon:
        return map(function, jobs)
    chunk = max(1, min(16, len(jobs) // (4 * workers)))
    return process_pool(workers).map(function, jobs, chunksize=chunk)


def chunks(items: list[Job], size: int) -> Iterator[list[Job]]:
    """Consecutive slices of at most `size`: one task run (or one transaction) each, never one per photo."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
