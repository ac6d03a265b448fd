"""Tasks of export jobs, each wrapping one domain step of photoflow.exports."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.database import default_engine
from photoflow.exports.jobs import run_export
from photoflow.settings import get_settings
from schemas.export_reports import ExportOut


# No retries: a failure is recorded on the export (final), and a crash leaves it to be redone.
@task(cache_policy=NO_CACHE)
def write_export(export_id: int) -> ExportOut:
    """Write the export's workbook of the filtered rows and record it done or failed."""
    out = run_export(default_engine(), get_settings(), export_id, flow_run_id=flow_run.id)
    logger = get_run_logger()
    if out.error:
        logger.error("export %d of batch %d failed: %s", out.id, out.batch_id, out.error)
    else:
        logger.info(
            "export %d of batch %d %s: %s rows in %s", out.id, out.batch_id, out.status, out.rows, out.path
        )
    return out
