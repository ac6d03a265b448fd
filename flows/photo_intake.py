"""Receive photos for a batch (a folder, a zip, or one photo for one student), then run stage 1 on them."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import State

from flows.auto_review import auto_review_flow
from flows.refusals import refused
from photoflow.errors import PhotoflowError
from photoflow.settings import get_settings
from schemas.enums import EducationCategory
from schemas.reports import PhotoIntakeOutcome
from tasks.artifacts import publish_stage_summary
from tasks.photos import find_batch, receive_photo_files


@flow(name="photo-intake")
def photo_intake_flow(
    source: str,
    institution: str,
    category: str,
    learning_centre: str = "",
    record_id: int | None = None,
    actor: str | None = None,
    review: bool = True,
) -> PhotoIntakeOutcome | State:
    """Match the photos to the batch's records, open an attempt for each, and review the new attempts.

    `record_id`: `source` is one photo for that record (`photoflow photo add`); a record id, never an ID
    number, since Prefect keeps a run's parameters. An upload that cannot be read leaves the run Failed.
    """
    actor = actor or get_settings().actor
    batch_id = None
    try:
        batch_id = find_batch(institution, EducationCategory.parse(category), learning_centre)
        intake = receive_photo_files(batch_id, Path(source), record_id, actor)
    except PhotoflowError as refusal:
        return refused("photo-intake", refusal, batch_id)
    report = auto_review_flow(institution, category, learning_centre, actor) if review else None
    publish_stage_summary("photo-intake", batch_id)
    return PhotoIntakeOutcome(intake=intake, review=report)
