"""Tasks of roster ingestion; each wraps one step of `photoflow.roster.ingest`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.database import default_engine
from photoflow.roster.ingest import Intake, prepare_upload, read_and_check, store_intake
from photoflow.roster.row_checks import UploadContext
from photoflow.roster.store import UploadAuthor
from photoflow.settings import get_settings
from schemas.enums import EducationCategory
from schemas.reports import UploadReport


@task(cache_policy=NO_CACHE)
def prepare_roster_upload(
    institution_code: str, category: EducationCategory, learning_centre: str
) -> UploadContext:
    """Check the contract and open the batch."""
    return prepare_upload(
        default_engine(),
        institution_code=institution_code,
        category=category,
        learning_centre=learning_centre,
        today=date.today(),
    )


@task(cache_policy=NO_CACHE)
def read_and_check_roster(source: Path, context: UploadContext, file_name: str | None) -> Intake:
    """Keep the uploaded file, read it, and check every row against the roster contract."""
    intake = read_and_check(get_settings(), source, context, file_name=file_name)
    logger = get_run_logger()
    if intake.checked is None:
        logger.warning("roster %s refused as a whole: %s", intake.file_name, intake.refusal)
    else:
        logger.info(
            "roster %s: %d rows read, %d with problems",
            intake.file_name,
            intake.checked.table.total,
            len(intake.checked.failed_rows),
        )
    return intake


# A retry is safe: the store is one transaction, and a rerun counts rows stored before as unchanged.
@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def store_roster(context: UploadContext, intake: Intake, actor: str) -> UploadReport:
    """Store the checked rows, their creation events and the row errors in one transaction."""
    report = store_intake(default_engine(), context, intake, UploadAuthor(actor, flow_run.id))
    get_run_logger().info(
        "upload %d: %d total, %d added, %d unchanged, %d failed",
        report.upload_id,
        report.total,
        report.succeeded,
        report.unchanged,
        report.failed,
    )
    return report
