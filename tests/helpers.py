"""Small builders shared by the database tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from photoflow.roster.ingest import ingest_roster
from photoflow.roster.store import UploadAuthor
from photoflow.sandbox.sample_rosters import generate_rows
from photoflow.settings import Settings
from schemas.enums import EducationCategory
from schemas.reports import UploadReport

INSTITUTION = "10001"
INSTITUTION_NAME = "测试大学"


def run_together(*workers: Callable[[], object], timeout: float = 60) -> None:
    """Run the workers at the same time, each in a thread of its own, and wait for them all (at most
    `timeout` seconds each): how the tests race two senders or two admins on one database."""
    threads = [threading.Thread(target=worker) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def students(count: int, seed: int = 7) -> list[dict[str, str]]:
    return generate_rows(
        count,
        institution_code=INSTITUTION,
        institution_name=INSTITUTION_NAME,
        category=EducationCategory.REGULAR,
        seed=seed,
    )


def upload(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    institution: str = INSTITUTION,
    category: EducationCategory = EducationCategory.REGULAR,
    learning_centre: str = "",
    today: date | None = None,
) -> UploadReport:
    return ingest_roster(
        engine,
        settings,
        source=path,
        institution_code=institution,
        category=category,
        learning_centre=learning_centre,
        author=UploadAuthor("test-admin", None),
        today=today or date.today(),
    )
