"""Where the photo stages run their chunks: here, one after another, or on Dask (`settings.task_runner`).

The choice is read when a stage runs, not when its flow is defined, because deployments call the flow
functions as they are. The chunk tasks are submitted to the Dask runner from the stage's own flow run
(no subflow), so their task runs, and the flow run id on every event they write, are the same as in
local mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from prefect import Task
from prefect.context import get_run_context
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import get_call_parameters
from prefect_dask import DaskTaskRunner

from photoflow.settings import Settings, get_settings

Chunk = TypeVar("Chunk")
Item = TypeVar("Item")


def run_chunks(task: Task[..., list[Item]], chunks: Iterable[Chunk], **parameters: Any) -> list[Item]:
    """`task(chunk, **parameters)` for every chunk, the results joined in chunk order."""
    settings = get_settings()
    if settings.task_runner == "local":
        return [item for chunk in chunks for item in task(chunk, **parameters)]
    calls = [get_call_parameters(task.fn, (chunk,), parameters) for chunk in chunks]
    if not calls:  # a rerun with nothing left starts no cluster
        return []
    with dask_runner(settings) as runner, temporary_settings(updates={PREFECT_API_URL: _api_url()}):
        futures = [runner.submit(task, call) for call in calls]
        return [item for future in futures for item in future.result()]


def dask_runner(settings: Settings) -> DaskTaskRunner:
    """The scheduler at `dask_address`, or a LocalCluster of single-threaded worker processes.

    One thread per worker: MediaPipe's graphs are not thread-safe (`photoflow.face.analyzer`), so a
    process holds one set of models and reviews one photo at a time; a chunk keeps its core busy.
    """
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1})


def _api_url() -> str:
    """The API this flow run reports to, which its tasks carry to the workers in Prefect's settings.

    Without a configured `PREFECT_API_URL` the flow talks to a temporary server it started; the
    workers would each start another one (seconds each, one database file) unless told this one.
    """
    return str(get_run_context().client.api_url)
