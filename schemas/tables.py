"""Every table, imported in one place so Alembic and the engine see the whole metadata."""

from schemas.batches import Batch, RosterRowError, RosterUpload
from schemas.institutions import Contract, Institution
from schemas.photos import AutoReview, PhotoAttempt, PhotoIntake
from schemas.records import RecordEvent, StudentRecord

__all__ = [
    "AutoReview",
    "Batch",
    "Contract",
    "Institution",
    "PhotoAttempt",
    "PhotoIntake",
    "RecordEvent",
    "RosterRowError",
    "RosterUpload",
    "StudentRecord",
]
