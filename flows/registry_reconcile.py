"""The registry reconciler: send what is due again, and poll every submission still awaiting an answer.

Scheduled every few minutes (see prefect.yaml); it is how retries after a registry outage happen and
how late answers arrive, whatever batch they belong to.
"""

from __future__ import annotations

from prefect import flow

from flows.submission import send_due
from photoflow.database import default_engine
from photoflow.registry.listing import NOT_CONFIGURED, submission_report
from photoflow.settings import get_settings
from schemas.registry_reports import SubmissionReport, SubmissionRound
from tasks.artifacts import publish_changed_batches
from tasks.registry import poll_answers


@flow(name="registry-reconcile")
def registry_reconcile_flow(actor: str | None = None) -> SubmissionReport:
    """Resend due submissions of every batch and apply the registry's answers to accepted ones."""
    settings = get_settings()
    actor = actor or settings.actor
    if not settings.registry_url:
        return submission_report(default_engine(), None, SubmissionRound(registry_error=NOT_CONFIGURED))
    run = send_due(None, actor, settings).add(poll_answers(None, actor))
    publish_changed_batches("registry-reconcile")
    return submission_report(default_engine(), None, run)
