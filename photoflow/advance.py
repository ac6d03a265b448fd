"""Which batches have records waiting for a later stage, so the advance flow runs only those stages.

The manual queue is asynchronous: reviewers and admins decide when they decide, and a decision only
moves the record (into comparison, or to collected). Finding the batches with such records is how the
scheduled advance flow carries them the rest of the way without anyone starting a batch run.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord


def batches_in(engine: Engine, status: RecordStatus) -> list[int]:
    """Batches with at least one record in `status`, in id order."""
    with session_scope(engine) as session:
        found = session.exec(
            select(StudentRecord.batch_id).where(StudentRecord.status == status).distinct()
        ).all()
    return sorted(found)
