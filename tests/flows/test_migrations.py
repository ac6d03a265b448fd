"""The schema comes from Alembic alone, and the migrations match the SQLModel tables exactly."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

import schemas.tables  # noqa: F401
from photoflow.database import alembic_config, get_engine, is_at_head
from photoflow.manual_review.decisions import approve, auto_approve, decide
from photoflow.manual_review.queue import claim
from schemas.db import session_scope
from schemas.manual_review import DecisionSource, ManualDecision, ManualReview
from schemas.reasons import ManualRejectReason
from tests.review_helpers import alice_rejects, manual_queue


def test_first_use_migrates_to_head_and_matches_the_models(database_url, tmp_path):
    """On SQLite a file nobody opened yet (the other tests start from a copy of a migrated one)."""
    url = f"sqlite:///{tmp_path / 'first-use.db'}" if database_url.startswith("sqlite") else database_url
    engine = get_engine(url)

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


def test_decisions_made_before_their_source_was_kept_are_told_apart_by_the_migration(
    engine, settings, contract, tmp_path
):
    """A reviewer decides only what they hold, and only reviewers reject; auto-approval decides as
    `auto-approval`; the ops override approves whatever is left, held by someone else or by nobody."""
    queue = manual_queue(engine, settings, tmp_path, 6)
    claim(engine, reviewer="alice", limit=3, lease=timedelta(minutes=15))
    decide(engine, queue[0], reviewer="alice", decision=ManualDecision.APPROVED)
    alice_rejects(engine, queue[1], ManualRejectReason.SHADOW)
    with session_scope(engine) as session:
        screened = session.get(ManualReview, queue[3])
        auto_approve(session, screened, reason="auto-approved: test", flow_run_id=None)
        batch_id = session.get(ManualReview, queue[0]).batch_id
    approve(engine, batch_id, actor="ops", everyone=True)  # queue[2] (alice holds it), 4 and 5 (nobody)
    with session_scope(engine) as session:
        kept = {r.id: r.decided_via for r in session.exec(select(ManualReview))}
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0008")  # as a database was before decisions kept their source
    command.upgrade(config, "head")

    with session_scope(engine) as session:
        backfilled = {r.id: r.decided_via for r in session.exec(select(ManualReview))}
    assert backfilled == kept
    reviewer, auto, override = DecisionSource.QUEUE, DecisionSource.AUTO_APPROVAL, DecisionSource.OPS_OVERRIDE
    assert [backfilled[i] for i in queue] == [reviewer, reviewer, override, auto, override, override]
