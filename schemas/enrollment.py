"""Enrollment photos (录取照片): why a file of an uploaded zip was not accepted, and what an upload reports.

The table rows themselves (`EnrollmentUpload`, `ReferencePhoto`) live in `schemas.similarity`; these are
the reason codes and the models commands print or return as JSON.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from schemas.labels import LabelledEnum
from schemas.reports import FileProblemOut


class EnrollmentProblem(LabelledEnum):
    """Why a file in an enrollment zip did not become its student's enrollment photo."""

    NOT_READ = ("not_read", "文件未读取", "the file was not read")
    TOO_LARGE = ("too_large", "照片文件过大", "the photo file is over the size limit")
    NOT_AN_IMAGE = ("not_an_image", "不是可用的图片", "not a picture that can be used")
    UNMATCHED = ("unmatched", "未匹配到学生", "matches no student of this batch")
    DUPLICATE = ("duplicate", "同一证件号有多个文件", "more than one file for the same ID number")


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
