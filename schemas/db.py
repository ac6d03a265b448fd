"""The database engine: created once per URL, migrated to the newest schema on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

import migrations
import schemas.tables  # noqa: F401  every table on the metadata, whichever model a command imported

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _enable_sqlite_rules(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _new_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _enable_sqlite_rules)
        return engine
    return create_engine(url, pool_pre_ping=True)


def is_at_head(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@lru_cache
def get_engine(url: str) -> Engine:
    """One engine per URL per process; the schema is migrated before the engine is handed out."""
    engine = _new_engine(url)
    if not is_at_head(engine):
        upgrade(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back (nothing half-written) on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that reads and then writes rows other sessions may be writing at the same moment.

    PostgreSQL callers lock what they read (`FOR UPDATE`, `SKIP LOCKED`). SQLite has no row locks: a
    transaction that reads, then writes after another writer committed, fails at once with "database
    is locked". `BEGIN IMMEDIATE` takes SQLite's one write lock before the first read, so concurrent
    writers queue (up to the busy timeout) and each sees the others' committed work: SQLite's
    equivalent of locking the rows.
    """
    with session_scope(engine) as session:
        if engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        yield session


def default_engine() -> Engine:
    """The engine for the configured `DATABASE_URL` (or the SQLite file in the data folder)."""
    from photoflow.settings import get_settings

    return get_engine(get_settings().db_url)
