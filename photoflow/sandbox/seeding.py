"""What every sandbox starts from, written once so that the demo, the benchmarks, the screenshots and the
tests' builders set up alike: an institution under contract, a generated roster ingested as an upload
is, and a photo that stage 1 passed, left where stage 1 leaves it, so that the stages after stage 1 can
be run (and timed) without running it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from photoflow import storage
from photoflow.institution_contracts import add_contract
from photoflow.roster.ingest import ingest_roster
from photoflow.roster.store import UploadAuthor
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.sample_rosters import generate_rows
from photoflow.settings import Settings
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord
from schemas.reports import UploadReport

SAMPLE_CATEGORY = EducationCategory.REGULAR
SAMPLE_PRICE = Decimal("30.00")
SAMPLE_VALIDITY = timedelta(days=365)


def sample_contract(
    engine: Engine,
    institution_code: str,
    institution_name: str,
    *,
    services: frozenset[str] = frozenset(),
    interception: bool = False,
) -> None:
    """A year's contract for the institution's regular-education students at the sample price."""
    with session_scope(engine) as session:
        add_contract(
            session,
            institution_code=institution_code,
            institution_name=institution_name,
            category=SAMPLE_CATEGORY,
            price_per_photo=SAMPLE_PRICE,
            valid_until=date.today() + SAMPLE_VALIDITY,
            services=services,
            interception=interception,
        )


def sample_roster_file(
    folder: Path, institution_code: str, institution_name: str, count: int, *, seed: int
) -> tuple[list[dict[str, str]], Path]:
    """`count` generated students of the institution and the template workbook they are written into,
    `roster-<code>-<seed>.xlsx` in `folder`."""
    rows = generate_rows(
        count,
        institution_code=institution_code,
        institution_name=institution_name,
        category=SAMPLE_CATEGORY,
        seed=seed,
    )
    return rows, write_roster_workbook(folder / f"roster-{institution_code}-{seed}.xlsx", rows)


def ingest_sample_roster(
    engine: Engine,
    settings: Settings,
    folder: Path,
    institution_code: str,
    institution_name: str,
    count: int,
    *,
    seed: int,
    author: str,
) -> tuple[list[dict[str, str]], UploadReport]:
    """A generated roster of `count` students uploaded by `author` into a new batch of the institution;
    returns the rows and the upload's report."""
    rows, roster = sample_roster_file(folder, institution_code, institution_name, count, seed=seed)
    report = ingest_roster(
        engine,
        settings,
        source=roster,
        institution_code=institution_code,
        category=SAMPLE_CATEGORY,
        author=UploadAuthor(author, None),
        today=date.today(),
    )
    return rows, report


def passed_attempt(
    session: Session,
    data_dir: Path,
    record: StudentRecord,
    *,
    spec: bytes | None,
    file_name: str,
    sha256: str,
    size_bytes: int,
    actor: str,
    reason: str | None = None,
    measurements: list[dict[str, Any]] | None = None,
) -> PhotoAttempt:
    """What intake and a passing stage 1 leave for `record`: its next attempt, the passing verdict and
    (given `spec`) the spec image where stage 1 puts it; the record moves on to manual review, and the
    caller puts the attempt in the queue or moves the record further."""
    assert record.id is not None
    earlier = select(func.count()).select_from(PhotoAttempt).where(col(PhotoAttempt.record_id) == record.id)
    attempt_no = session.exec(earlier).one() + 1
    spec_image = storage.derived(data_dir, record.batch_id, record.id, attempt_no) / "spec.jpg"
    if spec is not None:
        storage.make_dir(spec_image.parent)
        spec_image.write_bytes(spec)
    stored = storage.stored(data_dir, spec_image)
    attempt = PhotoAttempt(
        record_id=record.id,
        attempt_no=attempt_no,
        file_name=file_name,
        sha256=sha256,
        size_bytes=size_bytes,
        original_path=stored,
        received_by=actor,
    )
    session.add(attempt)
    session.flush()
    assert attempt.id is not None
    session.add(
        AutoReview(
            attempt_id=attempt.id,
            passed=True,
            standardised=True,
            spec_image_path=stored,
            reviewed_by=actor,
            measurements=measurements or [],
        )
    )
    for status in (RecordStatus.IN_AUTO_REVIEW, RecordStatus.IN_MANUAL_REVIEW):
        transition(session, record, status, actor=actor, reason=reason)
    return attempt
