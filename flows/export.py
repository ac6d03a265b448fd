"""An export job: the batch's records matching the export's stored filter, as an Excel workbook."""

from __future__ import annotations

from prefect import flow

from schemas.export_reports import ExportOut
from tasks.exports import write_export


@flow(name="export")
def export_flow(export_id: int) -> ExportOut:
    """Fill a queued export with its workbook; a done or failed export is returned as it is."""
    return write_export(export_id)
