"""Ingest one roster file into its batch: contract check, read and check every row, store, report."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import State

from flows.refusals import refused
from photoflow.roster.ingest import RosterRefused
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
) -> UploadReport | State:
    """Upload a roster (xlsx or csv) for one institution and education category.

    A file refused as a whole (missing, unreadable, wrong columns) is kept as a rejected upload and
    leaves the run Failed with the reason; called directly, the flow raises `RosterRefused`.
    """
    context = prepare_roster_upload(institution, EducationCategory.parse(category), learning_centre)
    intake = read_and_check_roster(Path(path), context, file_name)
    report = store_roster(context, intake, actor or get_settings().actor)
    publish_stage_summary("roster-upload", report.batch_id, {"error report": report.error_report})
    if report.error_message:
        return refused("roster-upload", RosterRefused(report), report.batch_id)
    return report
