"""Tasks that publish a stage's summary as Prefect artifacts (Artifacts tab of the UI, keyed per batch).

The database is the source of truth: an artifact is a view of it for people, so a failure to build or
publish one is logged as a warning and never fails the stage that did the work.
"""

from __future__ import annotations

import re
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow import storage
from photoflow.database import default_engine
from photoflow.settings import get_settings
from photoflow.stage_summary import StageSummary, batches_changed_by, stage_summary


@task(cache_policy=NO_CACHE)
def publish_stage_summary(stage: str, batch_id: int, links: dict[str, str | None] | None = None) -> None:
    """Publish the batch's records per status, this run's moves per reason, and links to its reports."""
    try:
        _publish(stage, stage_summary(default_engine(), batch_id, flow_run.id), links or {})
    except Exception as error:  # an artifact is never worth failing the stage for
        get_run_logger().warning("no %s artifacts for batch %d: %s", stage, batch_id, error)


@task(cache_policy=NO_CACHE)
def publish_changed_batches(stage: str) -> None:
    """Publish the summary of every batch this flow run moved records of (for flows across batches)."""
    try:
        engine = default_engine()
        for batch_id in batches_changed_by(engine, flow_run.id):
            _publish(stage, stage_summary(engine, batch_id, flow_run.id), {})
    except Exception as error:  # an artifact is never worth failing the stage for
        get_run_logger().warning("no %s artifacts: %s", stage, error)


@task(cache_policy=NO_CACHE)
def publish_refusal(stage: str, reason: str, batch_id: int | None) -> None:
    """Say in the run's Artifacts tab why the stage refused its input (its state message says it too)."""
    try:
        create_markdown_artifact(
            key=artifact_key(batch_id, stage, "refused") if batch_id else f"{stage}-refused",
            description=f"{stage}{f', batch {batch_id}' if batch_id else ''}: why this run refused its input",
            markdown=f"**Refused / 拒收:** {reason}",
        )
    except Exception as error:  # the refusal stands in the run's state and log without its artifact
        get_run_logger().warning("no %s refusal artifact: %s", stage, error)


def artifact_key(batch_id: int, stage: str, part: str) -> str:
    """E.g. 'batch-7-roster-upload-statuses'; Prefect keys allow lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", f"batch-{batch_id}-{stage}-{part}".lower()).strip("-")


def _publish(stage: str, summary: StageSummary, links: dict[str, str | None]) -> None:
    batch = summary.batch_id
    create_table_artifact(
        key=artifact_key(batch, stage, "statuses"),
        description=f"{stage}, batch {batch}: the batch's records per status after this run",
        table=[
            {"status": s.status, "中文": s.zh, "English": s.en, "records": s.count} for s in summary.statuses
        ],
    )
    create_table_artifact(
        key=artifact_key(batch, stage, "moves"),
        description=f"{stage}, batch {batch}: the status changes this run made, per reason",
        table=[
            {"to status": r.to_status, "中文": r.zh, "English": r.en, "reason": r.reason, "records": r.count}
            for r in summary.reasons
        ],
    )
    reports = {name: path for name, path in links.items() if path}
    if reports:
        create_markdown_artifact(
            key=artifact_key(batch, stage, "reports"),
            description=f"{stage}, batch {batch}: the files this run wrote",
            markdown="\n".join(f"- {name}: [{path}]({_uri(path)})" for name, path in reports.items()),
        )


def _uri(path: str) -> str:
    """A file:// URI; a relative path is taken as relative to the data folder, where photoflow keeps files."""
    file = Path(path) if Path(path).is_absolute() else storage.absolute(get_settings().data_dir, path)
    return file.resolve().as_uri()
