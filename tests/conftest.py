"""Shared fixtures: every database test runs twice, on a SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from data_contracts.photo_spec import PhotoSpec, load_photo_spec
from photoflow.database import get_engine
from photoflow.face.analyzer import FaceAnalyzer, get_analyzer
from photoflow.institution_contracts import add_contract
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.settings import Settings, get_settings
from schemas.db import session_scope
from schemas.enums import EducationCategory
from tests.helpers import INSTITUTION, INSTITUTION_NAME

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'photoflow.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = get_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


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


@pytest.fixture(scope="session")
def spec() -> PhotoSpec:
    return load_photo_spec()


@pytest.fixture(scope="session")
def analyzer() -> FaceAnalyzer:
    """The process's face models, loaded once for the whole run (as a worker process does)."""
    return get_analyzer()


@pytest.fixture(scope="session")
def review(analyzer: FaceAnalyzer, spec: PhotoSpec) -> Callable[[Path], PhotoCheck]:
    """Stage 1 on a photo file, each file reviewed once for the whole run."""

    @cache
    def reviewed(path: Path) -> PhotoCheck:
        return check_photo(path.read_bytes(), name=path.name, analyzer=analyzer, spec=spec)

    return reviewed
