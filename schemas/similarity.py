"""Stage 3 tables: reference photos, stored face embeddings, comparisons, and duplicate-face flags.

A reference photo is what a student's photo is compared with: the ID-registry photo (人证比对) or the
enrollment photo the institution uploaded (人像比对). Embeddings are keyed by the image's content
hash and the model, so a photo is embedded once however many comparisons use it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from schemas.clock import utcnow
from schemas.intakes import FileIntake
from schemas.labels import LabelledEnum, enum_type


class ComparisonKind(LabelledEnum):
    """Which reference a photo is compared with; the contract says which kinds run."""

    ID_REGISTRY = ("id_registry", "人证比对", "ID-registry comparison")
    ENROLLMENT = ("enrollment", "人像比对", "Enrollment-photo comparison")


class SimilarityBand(LabelledEnum):
    """The platform's bands: 85 and above same person, above 50 possibly, 50 and below not the same."""

    SAME = ("same", "同一人", "Same person")
    POSSIBLE = ("possible", "可能同一人", "Possibly the same person")
    DIFFERENT = ("different", "非同一人", "Not the same person")


class ComparisonOutcome(LabelledEnum):
    """Whether a comparison produced a score, and if not, why not; none of these is an error."""

    SCORED = ("scored", "已比对", "Compared")
    REFERENCE_NOT_FOUND = (
        "reference_not_found",
        "公安库无此人照片",
        "No photo for this person in the ID registry",
    )
    NO_FACE_IN_REFERENCE = (
        "no_face_in_reference",
        "参照照片中未检测到人脸",
        "No face found in the reference photo",
    )
    NO_FACE_IN_PHOTO = ("no_face_in_photo", "采集照片中未检测到人脸", "No face found in the collected photo")


class ComparisonWait(LabelledEnum):
    """Why a record stays in comparison for now; a later run of the stage picks it up again."""

    ENROLLMENT_PHOTO_MISSING = (
        "enrollment_photo_missing",
        "待上传录取照片",
        "Waiting for the enrollment photo to be uploaded",
    )
    REGISTRY_NOT_CONFIGURED = (
        "registry_not_configured",
        "未配置公安库照片来源",
        "No ID-registry photo source is configured",
    )
    REGISTRY_UNAVAILABLE = ("registry_unavailable", "公安库暂不可用", "The ID registry is unavailable now")
    SPEC_IMAGE_MISSING = ("spec_image_missing", "缺少标准照", "The collected photo's spec image is missing")


class EnrollmentUpload(FileIntake, table=True):
    """One zip of enrollment photos (录取照片) for a batch, and what became of each of its files."""

    source_name: str = Field(max_length=255, description="The zip's name, for display only.")


class ReferencePhoto(SQLModel, table=True):
    """The current photo of one kind for one record; a new upload of that kind replaces it."""

    __table_args__ = (UniqueConstraint("record_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    kind: ComparisonKind = Field(sa_type=enum_type(ComparisonKind))
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int
    path: str = Field(max_length=500, description="Relative to the data folder; chosen by us.")
    source: str = Field(max_length=255, description="Where it came from: the zip's name or the registry.")
    received_by: str = Field(max_length=100)
    received_at: datetime = Field(default_factory=utcnow)


class FaceEmbedding(SQLModel, table=True):
    """One image's face embedding under one model; `vector` is None when no face was found."""

    __table_args__ = (UniqueConstraint("sha256", "model", "model_version"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True, description="Of the image bytes that were embedded.")
    model: str = Field(max_length=50)
    model_version: str = Field(max_length=200)
    vector: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    dimensions: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Comparison(SQLModel, table=True):
    """One attempt's photo against one reference: the score and band, or why there is none."""

    __table_args__ = (UniqueConstraint("attempt_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    attempt_id: int = Field(foreign_key="photoattempt.id", index=True, ondelete="CASCADE")
    kind: ComparisonKind = Field(sa_type=enum_type(ComparisonKind))
    outcome: ComparisonOutcome = Field(sa_type=enum_type(ComparisonOutcome))
    reference_sha256: str | None = Field(default=None, max_length=64)
    model: str = Field(max_length=50)
    model_version: str = Field(max_length=200)
    distance: float | None = None
    score: float | None = Field(default=None, index=True)
    band: SimilarityBand | None = Field(default=None, sa_type=enum_type(SimilarityBand))
    compared_at: datetime = Field(default_factory=utcnow)
    compared_by: str = Field(max_length=100)
    flow_run_id: str | None = Field(default=None, max_length=64)


class DuplicateFace(SQLModel, table=True):
    """Two students of one batch whose current photos show the same face (a 1:N search in the batch)."""

    __table_args__ = (UniqueConstraint("attempt_a", "attempt_b"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    record_a: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    record_b: int = Field(foreign_key="studentrecord.id", index=True, ondelete="CASCADE")
    attempt_a: int = Field(foreign_key="photoattempt.id", ondelete="CASCADE")
    attempt_b: int = Field(foreign_key="photoattempt.id", ondelete="CASCADE")
    score: float
    found_at: datetime = Field(default_factory=utcnow)
    flow_run_id: str | None = Field(default=None, max_length=64)
