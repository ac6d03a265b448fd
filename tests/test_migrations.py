"""The schema comes from Alembic alone, and the migrations match the SQLModel tables exactly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

import schemas.tables  # noqa: F401
from schemas.db import alembic_config, is_at_head, session_scope
from schemas.manual_review import ManualReview
from tests.review_helpers import manual_queue


def test_first_use_migrates_to_head_and_matches_the_models(engine):
    assert is_at_head(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert {"studentrecord", "recordevent", "rosterupload", "contract", "batch", "institution"} <= set(
        inspect(engine).get_table_names()
    )


def test_records_already_in_manual_review_get_their_queue_rows_from_the_migration(
    engine, settings, contract, tmp_path
):
    queue = manual_queue(engine, settings, tmp_path, 3)
    with session_scope(engine) as session:
        before = {(r.attempt_id, r.record_id) for r in session.exec(select(ManualReview))}
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0003")  # as a database was before the queue existed
    command.upgrade(config, "head")

    with session_scope(engine) as session:
        after = session.exec(select(ManualReview)).all()
    assert len(queue) == 3 and {(r.attempt_id, r.record_id) for r in after} == before
    assert all(r.decision is None and r.holder is None and r.reasons == [] for r in after)
