"""The per-batch DAG: ingest -> auto review -> manual queue -> similarity -> submit -> print.

It runs roster ingestion for every roster file given, photo intake for every photo folder or zip
given, stage 1 on every attempt still waiting for it, stage 3 on every record a reviewer has approved
into comparison, registry submission of every collected record, then delivers the notices the
rejections queued. A run with no files finishes what an interrupted run left. Printing joins here.
"""

from __future__ import annotations

from prefect import flow
from pydantic import BaseModel

from flows.auto_review import auto_review_flow
from flows.notifications import notifications_flow
from flows.photo_intake import photo_intake_flow
from flows.roster_upload import roster_upload_flow
from flows.similarity import similarity_flow
from flows.submission import submission_flow
from schemas.notification_reports import DeliveryReport
from schemas.registry_reports import SubmissionReport
from schemas.reports import AutoReviewReport, IntakeReport, SimilarityReport, UploadReport


class BatchRun(BaseModel):
    rosters: list[UploadReport]
    photo_intakes: list[IntakeReport]
    auto_review: AutoReviewReport
    similarity: SimilarityReport
    submission: SubmissionReport
    notices: DeliveryReport


@flow(name="batch")
def batch_flow(
    institution: str,
    category: str,
    rosters: list[str] | None = None,
    photos: list[str] | None = None,
    learning_centre: str = "",
) -> BatchRun:
    """Run one collection batch (an institution and an education category) through its stages."""
    uploads = [
        roster_upload_flow(path, institution, category, learning_centre=learning_centre)
        for path in rosters or []
    ]
    intakes = [
        photo_intake_flow(path, institution, category, learning_centre=learning_centre, review=False).intake
        for path in photos or []
    ]
    review = auto_review_flow(institution, category, learning_centre)
    similarity = similarity_flow(review.batch_id)
    submission = submission_flow(review.batch_id)
    return BatchRun(rosters=uploads, photo_intakes=intakes, auto_review=review, similarity=similarity,
                    submission=submission, notices=notifications_flow())  # fmt: skip
