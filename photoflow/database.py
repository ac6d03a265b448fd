"""The engine every entry point uses: created once per URL per process and migrated before it is handed out.

Migrating is a step of its own here, above both `schemas` (the tables, the engine's connection rules)
and `migrations` (Alembic's revisions, which import the tables), so neither imports the other back. A
fresh SQLite file still just works on the first command: `get_engine` brings it to the newest schema.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations
from photoflow.settings import get_settings
from schemas.db import new_engine

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


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
    engine = new_engine(url)
    if not is_at_head(engine):
        upgrade(engine)
    return engine


def default_engine() -> Engine:
    """The engine for the configured `DATABASE_URL` (or the SQLite file in the data folder)."""
    return get_engine(get_settings().db_url)
