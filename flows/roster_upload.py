"""Ingest one roster file into its batch: contract check, read and check every row, store, report."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from photoflow.settings import get_settings
from schemas.enums import EducationCategory
from schemas.reports import UploadReport
from tasks.artifacts import publish_stage_summary
from tasks.roster import prepare_roster_upload, read_and_check_roster, store_roster


@flow(name="roster-upload", log_prints=False)
def roster_upload_flow(
    path: str,
    institution: str,
    category: str,
    learning_centre: str = "",
    file_name: str | None = None,
    actor: str | None = None,
) -> UploadReport:
    """Upload a roster (xlsx or csv) for one institution and education category."""
    context = prepare_roster_upload(institution, EducationCategory.parse(category), learning_centre)
    intake = read_and_check_roster(Path(path), context, file_name)
    report = store_roster(context, intake, actor or get_settings().actor)
    publish_stage_summary("roster-upload", report.batch_id, {"error report": report.error_report})
    return report
