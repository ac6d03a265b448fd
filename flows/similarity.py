"""Stage 3 of a batch: every record waiting in comparison, in a few chunked task runs, then the 1:N search.

The chunks run here or on Dask workers, as `settings.task_runner` says (flows/task_runners.py).
"""

from __future__ import annotations

from collections import Counter

from prefect import flow

from flows.task_runners import run_chunks
from photoflow.settings import get_settings
from photoflow.workers import chunks
from schemas.enums import RecordStatus
from schemas.reports import ComparedRecord, SimilarityReport
from tasks.artifacts import publish_stage_summary
from tasks.similarity import compare_chunk, flag_duplicates, list_comparing_records


@flow(name="similarity")
def similarity_flow(batch_id: int, actor: str | None = None) -> SimilarityReport:
    """Compare, hold or collect every record in comparison; a rerun compares nothing twice."""
    settings = get_settings()
    compared: list[ComparedRecord] = run_chunks(
        compare_chunk,
        chunks(list_comparing_records(batch_id), settings.similarity_chunk_size),
        actor=actor or settings.actor,
    )
    duplicates = flag_duplicates(batch_id)
    publish_stage_summary("similarity", batch_id)
    statuses = Counter(item.status for item in compared if item.waiting is None)
    return SimilarityReport(
        batch_id=batch_id,
        considered=len(compared),
        collected=statuses[RecordStatus.COLLECTED.value],
        held=statuses[RecordStatus.HELD.value],
        waiting=dict(Counter(item.waiting for item in compared if item.waiting is not None)),
        duplicate_faces=len(duplicates),
        records=compared,
    )
