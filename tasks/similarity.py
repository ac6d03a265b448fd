"""Tasks of stage 3, each wrapping one domain step of photoflow.similarity."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.database import default_engine
from photoflow.settings import get_settings
from photoflow.similarity.duplicates import flag_duplicate_faces
from photoflow.similarity.stage import compare_records, comparing_records
from schemas.reports import ComparedRecord, DuplicateFaceOut
from tasks.chunks import log_chunk, run_chunk


@task(cache_policy=NO_CACHE)
def list_comparing_records(batch_id: int) -> list[int]:
    """Records of the batch waiting in comparison."""
    return comparing_records(default_engine(), batch_id)


# A retry is safe: stored comparisons and embeddings are reused, moved records are skipped.
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def compare_chunk(record_ids: list[int], actor: str) -> list[ComparedRecord]:
    """Stage 3 for one chunk of records: registry lookups, embeddings in the workers, scores, moves."""
    compared = run_chunk(compare_records, record_ids, actor)
    moved = [item for item in compared if item.waiting is None]
    held = sum(item.status == "held" for item in moved)
    log_chunk(
        "compared %d of %d records: %d collected, %d held, %d waiting",
        moved,
        record_ids,
        len(moved) - held,
        held,
        len(compared) - len(moved),
    )
    return compared


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def flag_duplicates(batch_id: int) -> list[DuplicateFaceOut]:
    """The 1:N search of the batch's current photos; flags each new pair once."""
    found = flag_duplicate_faces(default_engine(), get_settings(), batch_id, flow_run_id=flow_run.id)
    if found:
        get_run_logger().warning("%d new pairs of students share one face in batch %d", len(found), batch_id)
    return found
