"""Tasks of photo intake and stage 1 review, each wrapping one domain step (photoflow.photos, .quality)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.database import default_engine
from photoflow.institution_contracts import active_contract, existing_batch
from photoflow.photos.intake import IntakeAuthor, list_upload, photo_key, receive_photos
from photoflow.quality.stage import pending_attempts, review_attempts
from photoflow.settings import get_settings
from schemas.db import session_scope
from schemas.enums import EducationCategory
from schemas.ids import stored_id
from schemas.reports import IntakeReport, ReviewedAttempt
from tasks.chunks import log_chunk, run_chunk


@task(cache_policy=NO_CACHE)
def find_batch(institution_code: str, category: EducationCategory, learning_centre: str) -> int:
    """Check the contract and find the batch the roster opened."""
    with session_scope(default_engine()) as session:
        active_contract(session, institution_code, category, date.today())
        return stored_id(existing_batch(session, institution_code, category, learning_centre))


# A retry is safe: originals are content-addressed and a photo equal to the latest attempt is unchanged.
@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def receive_photo_files(batch_id: int, source: Path, record_id: int | None, actor: str) -> IntakeReport:
    """Read the folder, zip or one photo (for `record_id`), match each file to a record, open its attempt."""
    settings = get_settings()
    key = photo_key(default_engine(), batch_id, record_id) if record_id is not None else None
    listing = list_upload(settings, source, id_number=key)
    report = receive_photos(
        default_engine(),
        settings,
        batch_id=batch_id,
        listing=listing,
        source_name=source.name,
        author=IntakeAuthor(actor, flow_run.id),
    )
    get_run_logger().info(
        "photo intake %d from %s%s: %d files, %d accepted, %d unchanged, %d not accepted",
        report.intake_id,
        source.name,
        f" for record {record_id}" if record_id is not None else "",
        report.total,
        report.accepted,
        report.unchanged,
        report.not_accepted,
    )
    return report


@task(cache_policy=NO_CACHE)
def list_pending_attempts(batch_id: int) -> list[int]:
    """Attempts waiting for stage 1 in this batch."""
    return pending_attempts(default_engine(), batch_id)


# A retry is safe: attempts with a verdict are skipped, so a retried chunk reviews only what is left.
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def review_chunk(attempt_ids: list[int], actor: str) -> list[ReviewedAttempt]:
    """Stage 1 for one chunk of attempts, spread over the worker processes."""
    reviewed = run_chunk(review_attempts, attempt_ids, actor)
    passed = sum(item.passed for item in reviewed)
    log_chunk(
        "reviewed %d of %d attempts: %d passed, %d sent back for a reshoot",
        reviewed,
        attempt_ids,
        passed,
        len(reviewed) - passed,
    )
    return reviewed
