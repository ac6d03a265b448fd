"""The database engine and units of work; the schema itself is Alembic's (`photoflow.database` migrates)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

import schemas.tables  # noqa: F401  every table on the metadata, whichever model a command imported


def _enable_sqlite_rules(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def new_engine(url: str) -> Engine:
    """An engine with this project's connection rules (SQLite: foreign keys, WAL, a busy timeout).

    It does not touch the schema: `photoflow.database.get_engine` hands out engines already migrated.
    """
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _enable_sqlite_rules)
        return engine
    return create_engine(url, pool_pre_ping=True)


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
