"""An export job: the batch's records matching the export's stored filter, as an Excel workbook."""

from __future__ import annotations

from prefect import flow

from schemas.export_reports import ExportOut
from tasks.artifacts import publish_stage_summary
from tasks.exports import write_export


@flow(name="export")
def export_flow(export_id: int) -> ExportOut:
    """Fill a queued export with its workbook; a done or failed export is returned as it is."""
    export = write_export(export_id)
    publish_stage_summary("export", export.batch_id, {"export workbook": export.path})
    return export
