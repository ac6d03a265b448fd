"""`photoflow demo`, the main job: 50 students through the whole DAG on the embedded default (SQLite).

The demo takes minutes, so it runs once for the module; each test reads what that run left behind.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from photoflow import idnumber
from photoflow.cli import main
from photoflow.database import default_engine
from photoflow.photos.attempts import latest_attempt
from photoflow.settings import get_settings
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.cli.test_cli import point_prefect_logs_at_current_stderr

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
IN_REVIEW = ("in_auto_review", "in_manual_review", "comparing", "held", "submitting")
ID_SHAPED = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@dataclass
class DemoRun:
    report: dict
    workdir: Path


def photoflow(*args: str) -> tuple[int, str, str]:
    """`photoflow ARGS` in this process (it shares the test's Prefect server): exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as monkeypatch, redirect_stdout(out), redirect_stderr(err):
        point_prefect_logs_at_current_stderr()
        monkeypatch.setattr(sys, "argv", ["photoflow", *args])
        try:
            main()
            code = 0
        except SystemExit as exit_info:
            code = exit_info.code or 0
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """One `photoflow demo --json`; the environment points at its data folder until the module ends."""
    folder = tmp_path_factory.mktemp("demo-run")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # The demo points the data folder at its own; the context puts both back afterwards.
        monkeypatch.setenv("PHOTOFLOW_DATA_DIR", str(folder / "cli-data"))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        get_settings.cache_clear()
        code, out, err = photoflow("demo", "--workdir", str(folder / "demo"), "--json")
        get_settings.cache_clear()
        assert code == 0, err
        yield DemoRun(report=json.loads(out), workdir=folder / "demo")
    get_settings.cache_clear()


def test_the_demo_takes_a_batch_through_every_stage_and_submits_each_record_once(demo: DemoRun):
    report = demo.report
    counts = report["counts"]
    assert isinstance(report["batch_id"], int) and sum(counts.values()) == 50
    assert not any(counts[status] for status in IN_REVIEW), counts
    assert report["received"] == report["distinct"] == report["registry"]["entries_received"] > 0
    assert counts["registered"] == report["registry"]["registered"] == report["distinct"] - 1  # one rejected
    assert report["registry"]["faults_injected"] == 3
    assert report["reviewer"]["rejected"] == 2
    first = report["first_run"]
    assert first["print_order"] is None and "still in review" in first["print_waiting"]
    printed = report["second_run"]["print_order"]
    assert printed["photos"] == counts["registered"] + counts["collected"]
    assert sum(sub["photos"] for sub in printed["sub_packages"]) == printed["photos"]
    assert report["notices"] == {"pending": counts["reshoot_requested"]}  # no SMTP server: they wait
    assert report["roster"]["failed"] > 0 and report["first_run"]["rosters"][0]["failed"] == 0


def test_no_full_id_number_reaches_prefects_database_after_the_demo_and_a_photo_add(
    demo: DemoRun, tmp_path: Path
):
    with session_scope(default_engine()) as session:  # the demo's database
        student = session.exec(
            select(StudentRecord).where(StudentRecord.status == RecordStatus.RESHOOT_REQUESTED)
        ).first()
        original = get_settings().data_dir / latest_attempt(session, student.id).original_path
        id_number = student.id_number
    photo = tmp_path / f"{id_number}.jpg"  # named by ID number, as students' photos are
    shutil.copyfile(original, photo)

    code, _, err = photoflow(
        "photo",
        "add",
        str(photo),
        "--id-number",
        id_number,
        "--institution",
        "10001",
        "--category",
        "regular",
    )

    assert code == 0, err
    found = full_id_numbers_in_prefect_database()
    assert found == [], f"{len(found)} full ID numbers in Prefect's database:\n" + "\n".join(found[:20])


def full_id_numbers_in_prefect_database() -> list[str]:
    """Every real ID number (valid checksum and birth date) in any text of any table, masked, with context."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    APILogWorker.drain_all()  # what the runs still had to send
    EventsWorker.drain_all()
    path = PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1]
    found = []
    with closing(sqlite3.connect(path)) as database:
        tables = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in [row[1] for row in database.execute(f'PRAGMA table_info("{table}")')]:
                query = f'SELECT "{column}" FROM "{table}" WHERE typeof("{column}") IN (\'text\', \'blob\')'
                for (value,) in database.execute(query):
                    text = value.decode(errors="replace") if isinstance(value, bytes) else value
                    for match in ID_SHAPED.finditer(text):
                        if _real_id_number(match.group().upper()):
                            context = text[max(0, match.start() - 60) : match.end() + 10]
                            found.append(f"{table}.{column}: {idnumber.mask_in_text(context)}")
    return found


def _real_id_number(candidate: str) -> bool:
    return idnumber.has_valid_checksum(candidate) and idnumber.has_real_birth_date(candidate, date.today())
