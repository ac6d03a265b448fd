"""Receive photos for a batch (a folder, a zip, or one photo for one student), then run stage 1 on them."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.auto_review import auto_review_flow
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
    id_number: str | None = None,
    actor: str | None = None,
    review: bool = True,
) -> PhotoIntakeOutcome:
    """Match the photos to the batch's records, open an attempt for each, and review the new attempts."""
    actor = actor or get_settings().actor
    batch_id = find_batch(institution, EducationCategory.parse(category), learning_centre)
    intake = receive_photo_files(batch_id, Path(source), id_number, actor)
    report = auto_review_flow(institution, category, learning_centre, actor) if review else None
    publish_stage_summary("photo-intake", batch_id)
    return PhotoIntakeOutcome(intake=intake, review=report)
