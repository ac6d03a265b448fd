"""Shared fixtures: every database test runs twice, on a SQLite file and on a real PostgreSQL.

Both start from a migrated schema made once for the session: PostgreSQL's database is migrated on its
first use and emptied after each test; each SQLite test gets a copy of a file migrated once (migrating
a new file takes longer than the copy). `tests/flows/test_migrations.py` migrates files of its own.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from photoflow.database import get_engine, upgrade
from photoflow.institution_contracts import add_contract
from photoflow.settings import Settings, get_settings
from schemas.db import new_engine, session_scope
from schemas.enums import EducationCategory
from tests.helpers import INSTITUTION, INSTITUTION_NAME

# used by more than one area: the registry simulator (flows, registry), the SMTP server (deliverables, review)
pytest_plugins = ["tests.registry_sim", "tests.smtp_server"]

POSTGRES_ADMIN_URL = os.environ.get(
    "PHOTOFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database on the local server for this test session; dropped afterwards."""
    name = f"photoflow_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}); `.ci/run` starts it")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    yield url
    get_engine(url).dispose()  # the cached engine every test used; its connections block DROP DATABASE
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest schema, for each SQLite test to start from a copy of."""
    path = tmp_path_factory.mktemp("migrated-sqlite") / "photoflow.db"
    engine = new_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file and removes it
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "photoflow.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    empty_every_table(get_engine(url))


def empty_every_table(engine: Engine) -> None:
    """Every row gone and every id sequence back at its start, as TRUNCATE ... RESTART IDENTITY leaves
    them; deleting the few rows a test wrote takes milliseconds where TRUNCATE of 31 tables takes about
    a second (it makes every table's files anew)."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):  # rows that refer to others first
            connection.execute(table.delete())
        sequences = connection.execute(
            text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")
        ).scalars()
        for sequence in sequences.all():
            connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture(scope="session")
def deepface_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One deepface home for the session, so the face model loads once, not once per test."""
    return tmp_path_factory.mktemp("deepface")


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, deepface_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings as a deployment would read them from its environment, pointing at this test's database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PHOTOFLOW_DEEPFACE_HOME", str(deepface_home))
    monkeypatch.setenv("PHOTOFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PHOTOFLOW_ACTOR", "test-admin")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return get_engine(settings.db_url)


@pytest.fixture
def contract(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_contract(
            session,
            institution_code=INSTITUTION,
            institution_name=INSTITUTION_NAME,
            category=EducationCategory.REGULAR,
            price_per_photo=Decimal("30.00"),
            valid_until=date.today() + timedelta(days=365),
        )


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for all flow tests (starting one takes seconds)."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
