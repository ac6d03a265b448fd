"""Registry submission of a batch: queue the collected, send in chunks, poll until the registry answers.

Every step reads the project's database, so a rerun after a crash (even SIGKILL mid-package) sends
what is still queued under the same idempotency keys and registers nothing twice. Each package is
claimed before it is sent, so runs at once share the work instead of sending it twice; the package a
crashed run held waits until its claim runs out (the report says until when). Answers still
pending when the poll budget runs out are left to `registry_reconcile_flow`.
"""

from __future__ import annotations

import time

from prefect import flow

from photoflow.database import default_engine
from photoflow.registry.listing import NOT_CONFIGURED, submission_report, submission_states
from photoflow.settings import Settings, get_settings
from photoflow.workers import chunks
from schemas.registry_reports import SubmissionReport, SubmissionRound
from schemas.submissions import SubmissionState
from tasks.artifacts import publish_stage_summary
from tasks.registry import list_due_submissions, poll_answers, queue_for_registry, send_chunk

PACKAGES_PER_TASK = 10


@flow(name="submission")
def submission_flow(batch_id: int, actor: str | None = None) -> SubmissionReport:
    """Submit the batch's collected records to the registry and wait (a while) for its answers."""
    settings = get_settings()
    actor = actor or settings.actor
    if not settings.registry_url:
        return submission_report(default_engine(), batch_id, SubmissionRound(registry_error=NOT_CONFIGURED))
    run = queue_for_registry(batch_id, actor)
    run = run.add(send_due(batch_id, actor, settings))
    for _ in range(settings.registry_poll_rounds):
        run = run.add(poll_answers(batch_id, actor))
        if not submission_states(default_engine(), batch_id).get(SubmissionState.ACCEPTED):
            break
        time.sleep(settings.registry_poll_s)
    publish_stage_summary("submission", batch_id)
    return submission_report(default_engine(), batch_id, run)


def send_due(batch_id: int | None, actor: str, settings: Settings) -> SubmissionRound:
    """Send every due submission in chunks of a few packages; stop at the first registry fault."""
    sent = SubmissionRound()
    size = settings.registry_package_size * PACKAGES_PER_TASK
    for chunk in chunks(list_due_submissions(batch_id), size):
        sent = sent.add(send_chunk(chunk, actor))
        if sent.registry_error:
            break
    return sent
