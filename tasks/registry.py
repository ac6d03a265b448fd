"""Tasks of registry submission, each wrapping one domain step of photoflow.registry."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from photoflow.database import default_engine
from photoflow.registry.client import RegistryClient
from photoflow.registry.queueing import queue_collected
from photoflow.registry.sending import due_submissions, poll_accepted, send_submissions
from photoflow.settings import get_settings
from schemas.registry_reports import SubmissionRound


@task(cache_policy=NO_CACHE)
def queue_for_registry(batch_id: int, actor: str) -> SubmissionRound:
    """Queue the batch's collected records, each under its idempotency key."""
    queued = queue_collected(default_engine(), get_settings(), batch_id, actor=actor, flow_run_id=flow_run.id)
    get_run_logger().info("queued %d collected records of batch %d for the registry", queued.queued, batch_id)
    return queued


@task(cache_policy=NO_CACHE)
def list_due_submissions(batch_id: int | None) -> list[int]:
    """Queued submissions due to be sent (one batch, or all)."""
    return due_submissions(default_engine(), batch_id=batch_id)


# No task-level retries: the client retries transient faults itself, and a failed round is stored.
@task(cache_policy=NO_CACHE)
def send_chunk(submission_ids: list[int], actor: str) -> SubmissionRound:
    """Send one chunk of submissions in packages and apply the registry's answers."""
    settings = get_settings()
    with RegistryClient.from_settings(settings) as client:
        sent = send_submissions(
            default_engine(), settings, client, submission_ids, actor=actor, flow_run_id=flow_run.id
        )
    logger = get_run_logger()
    logger.info(
        "sent %d of %d submissions: %d accepted, %d registered, %d rejected",
        sent.sent,
        len(submission_ids),
        sent.accepted,
        sent.registered,
        sent.rejected,
    )
    if sent.registry_error:
        logger.warning("registry: %s", sent.registry_error)
    return sent


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def poll_answers(batch_id: int | None, actor: str) -> SubmissionRound:
    """Ask the registry about accepted submissions and apply its answers (safe to repeat)."""
    with RegistryClient.from_settings(get_settings()) as client:
        return poll_accepted(
            default_engine(), client, batch_id=batch_id, actor=actor, flow_run_id=flow_run.id
        )
