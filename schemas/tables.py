"""Every table, imported in one place so Alembic and the engine see the whole metadata."""

from schemas.accounts import LoginAttempt, User, WebSession
from schemas.batches import Batch, RosterRowError, RosterUpload
from schemas.deliverables import (
    DownloadItem,
    DownloadPackage,
    ExportJob,
    ExportJobEvent,
    PrintOrder,
    PrintOrderEvent,
    PrintSubPackage,
)
from schemas.institutions import Contract, Institution
from schemas.manual_review import ManualReview
from schemas.notifications import Notification
from schemas.photos import AutoReview, PhotoAttempt, PhotoIntake
from schemas.records import RecordEvent, StudentRecord
from schemas.reshoots import ReshootRequest
from schemas.screening import ApprovalWeights, FusionSuspicion, Screening
from schemas.similarity import Comparison, DuplicateFace, EnrollmentUpload, FaceEmbedding, ReferencePhoto
from schemas.submissions import Submission, SubmissionEvent

__all__ = [
    "ApprovalWeights",
    "AutoReview",
    "Batch",
    "Comparison",
    "Contract",
    "DownloadItem",
    "DownloadPackage",
    "DuplicateFace",
    "EnrollmentUpload",
    "ExportJob",
    "ExportJobEvent",
    "FaceEmbedding",
    "FusionSuspicion",
    "Institution",
    "LoginAttempt",
    "ManualReview",
    "Notification",
    "PhotoAttempt",
    "PhotoIntake",
    "PrintOrder",
    "PrintOrderEvent",
    "PrintSubPackage",
    "RecordEvent",
    "ReferencePhoto",
    "ReshootRequest",
    "RosterRowError",
    "RosterUpload",
    "Screening",
    "StudentRecord",
    "Submission",
    "SubmissionEvent",
    "User",
    "WebSession",
]
