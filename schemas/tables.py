"""Every table, imported in one place so Alembic and the engine see the whole metadata."""

from schemas.accounts import LoginAttempt, User
from schemas.batches import Batch, RosterRowError, RosterUpload
from schemas.institutions import Contract, Institution
from schemas.manual_review import ManualReview
from schemas.photos import AutoReview, PhotoAttempt, PhotoIntake
from schemas.records import RecordEvent, StudentRecord
from schemas.similarity import Comparison, DuplicateFace, EnrollmentUpload, FaceEmbedding, ReferencePhoto

__all__ = [
    "AutoReview",
    "Batch",
    "Comparison",
    "Contract",
    "DuplicateFace",
    "EnrollmentUpload",
    "FaceEmbedding",
    "Institution",
    "LoginAttempt",
    "ManualReview",
    "PhotoAttempt",
    "PhotoIntake",
    "RecordEvent",
    "ReferencePhoto",
    "RosterRowError",
    "RosterUpload",
    "StudentRecord",
    "User",
]
