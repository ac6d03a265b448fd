"""Enrollment photos (录取照片): what an upload of a zip reports.

The table rows themselves (`EnrollmentUpload`, `ReferencePhoto`) live in `schemas.similarity`, and why a
file was not accepted is a `schemas.reasons.FileProblem`; this is the model commands print or return as
JSON.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from schemas.reports import FileProblemOut


class EnrollmentReport(BaseModel):
    """One enrollment zip: `total = accepted + unchanged + not_accepted`, with every refused file."""

    upload_id: int
    batch_id: int
    source_name: str
    received_by: str
    received_at: datetime
    total: int
    accepted: int
    unchanged: int
    not_accepted: int
    problems: list[FileProblemOut]
