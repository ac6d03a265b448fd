"""The schema comes from Alembic alone, and the migrations match the SQLModel tables exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import schemas.tables  # noqa: F401
from schemas.db import is_at_head


def test_first_use_migrates_to_head_and_matches_the_models(engine):
    assert is_at_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert {"studentrecord", "recordevent", "rosterupload", "contract", "batch", "institution"} <= set(
        inspect(engine).get_table_names()
    )
