"""What the batch and advance flows return: each stage's report, for ops, the demo and the API."""

from __future__ import annotations

from pydantic import BaseModel

from schemas.notification_reports import DeliveryReport
from schemas.print_reports import PrintOrderOut
from schemas.registry_reports import SubmissionReport
from schemas.reports import AutoReviewReport, IntakeReport, ScreeningReport, SimilarityReport, UploadReport


class BatchRun(BaseModel):
    batch_id: int
    rosters: list[UploadReport]
    photo_intakes: list[IntakeReport]
    auto_review: AutoReviewReport
    screening: ScreeningReport
    similarity: SimilarityReport
    submission: SubmissionReport
    print_order: PrintOrderOut | None = None
    print_waiting: str | None = None
    notices: DeliveryReport


class AdvanceRun(BaseModel):
    screening: list[ScreeningReport]
    similarity: list[SimilarityReport]
    submission: list[SubmissionReport]
    notices: DeliveryReport
