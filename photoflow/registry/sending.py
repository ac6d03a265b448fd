"""Send due submissions to the registry in packages, and poll the answers of accepted ones.

A package's answers are applied in one transaction right after the registry gives them. When the
registry cannot be reached even after the client's retries, the package's submissions wait for a
later run (with a doubling delay) and this run stops sending: hammering a registry that is down
helps nobody. After `registry_rounds` failed rounds a submission gives up (上网失败, registry
unreachable) until ops put it back in line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import groupby

from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow.backoff import doubling_delay
from photoflow.registry.answers import apply_answer
from photoflow.registry.api import MAX_QUERY_KEYS
from photoflow.registry.client import EntryAnswer, RegistryClient, RegistryRefused, RegistryUnavailable
from photoflow.registry.package_contract import package_problems
from photoflow.registry.packages import PackageEntry, build_package
from photoflow.settings import Settings
from photoflow.state import transition
from photoflow.workers import chunks
from schemas.batches import Batch
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from schemas.registry_reports import SubmissionRound
from schemas.submissions import Submission, SubmissionState


def due_submissions(engine: Engine, *, batch_id: int | None = None, now: datetime | None = None) -> list[int]:
    """Queued submissions whose next try is due, oldest first (all batches, or one)."""
    statement = select(Submission.id).where(
        Submission.state == SubmissionState.QUEUED, Submission.next_try_at <= (now or utcnow())
    )
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    with session_scope(engine) as session:
        return list(session.exec(statement.order_by(Submission.id)).all())


def send_submissions(
    engine: Engine,
    settings: Settings,
    client: RegistryClient,
    submission_ids: Sequence[int],
    *,
    actor: str,
    flow_run_id: str | None = None,
) -> SubmissionRound:
    """Send the given submissions (those still queued) in packages of `registry_package_size`."""
    report = SubmissionRound()
    moves = dict(actor=actor, flow_run_id=flow_run_id)
    for package in _packages(engine, settings, submission_ids):
        entries = _entries(settings, package)
        broken = package_problems(entries)
        if broken:  # refused here, as the registry would: the rest of the package goes on
            refused = [_breaks_rules(key, rules) for key, rules in broken.items()]
            report = report.add(_apply(engine, refused, **moves))
            entries = [entry for entry in entries if entry.idempotency_key not in broken]
        if not entries:
            continue
        batch = package[0][2]
        try:
            answers = client.send_package(
                build_package(batch.institution_code, batch.category.value, entries)
            )
        except RegistryUnavailable as error:
            report = report.add(_round_failed(engine, settings, package, str(error), utcnow(), **moves))
            break
        except RegistryRefused as error:
            report.registry_error = str(error)
            break
        report.sent += len(entries)
        report = report.add(_apply(engine, answers, **moves))
    return report


def poll_accepted(
    engine: Engine,
    client: RegistryClient,
    *,
    batch_id: int | None = None,
    actor: str,
    flow_run_id: str | None = None,
) -> SubmissionRound:
    """Ask the registry about every accepted submission (all batches, or one) and apply its answers."""
    statement = select(Submission.idempotency_key).where(Submission.state == SubmissionState.ACCEPTED)
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    with session_scope(engine) as session:
        keys = list(session.exec(statement.order_by(Submission.id)).all())
    report = SubmissionRound()
    for some in chunks(keys, MAX_QUERY_KEYS):
        try:
            answers = client.query(some)
        except (RegistryUnavailable, RegistryRefused) as error:
            report.registry_error = str(error)
            break
        report = report.add(_apply(engine, answers, actor=actor, flow_run_id=flow_run_id))
    return report


def _packages(
    engine: Engine, settings: Settings, submission_ids: Sequence[int]
) -> Iterator[list[tuple[Submission, StudentRecord, Batch]]]:
    """The still-queued submissions, grouped by batch (a manifest names one institution and category)."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Submission, StudentRecord, Batch)
            .join(StudentRecord, StudentRecord.id == Submission.record_id)
            .join(Batch, Batch.id == Submission.batch_id)
            .where(col(Submission.id).in_(submission_ids), Submission.state == SubmissionState.QUEUED)
            .order_by(Submission.batch_id, Submission.id)
        ).all()
        session.expunge_all()
    for _, group in groupby(rows, key=lambda row: row[0].batch_id):
        yield from chunks(list(group), settings.registry_package_size)


def _entries(
    settings: Settings, package: list[tuple[Submission, StudentRecord, Batch]]
) -> list[PackageEntry]:
    return [
        PackageEntry(submission.idempotency_key, submission.registry_key, record.name,
                     (settings.data_dir / submission.photo_path).read_bytes())
        for submission, record, _ in package
    ]  # fmt: skip


def _breaks_rules(key: str, rules: list[str]) -> EntryAnswer:
    """The answer the registry would give an entry that breaks its package rules."""
    return EntryAnswer(key, "rejected", reason_code="package_rules",
                       reason="照片不符合学信网报送规则 / the photo breaks the registry's package rules: "
                       + "; ".join(rules))  # fmt: skip


def _apply(
    engine: Engine, answers: Sequence[EntryAnswer], *, actor: str, flow_run_id: str | None
) -> SubmissionRound:
    report = SubmissionRound()
    now = utcnow()
    with write_scope(engine) as session:
        by_key = {
            submission.idempotency_key: submission
            for submission in session.exec(
                select(Submission)
                .where(col(Submission.idempotency_key).in_([answer.idempotency_key for answer in answers]))
                .with_for_update()
            ).all()
        }
        for answer in answers:
            submission = by_key.get(answer.idempotency_key)
            if submission is None:
                report.problems.append(
                    f"the registry answered for a key we never sent: {answer.idempotency_key}"
                )
                continue
            apply_answer(session, submission, answer, report, actor=actor, flow_run_id=flow_run_id, now=now)
    return report


def _round_failed(
    engine: Engine,
    settings: Settings,
    package: list[tuple[Submission, StudentRecord, Batch]],
    error: str,
    now: datetime,
    *,
    actor: str,
    flow_run_id: str | None,
) -> SubmissionRound:
    """The package could not be delivered: wait longer before the next round, or give up."""
    report = SubmissionRound(registry_error=error)
    with write_scope(engine) as session:
        for submission in session.exec(
            select(Submission)
            .where(col(Submission.id).in_([item[0].id for item in package]))
            .with_for_update()
        ).all():
            if submission.state != SubmissionState.QUEUED:
                continue
            submission.tries += 1
            submission.reason = error[:500]
            if submission.tries >= settings.registry_rounds:
                submission.state = SubmissionState.UNREACHABLE
                record = session.get(StudentRecord, submission.record_id, with_for_update=True)
                gave_up = f"registry unreachable after {submission.tries} rounds: {error}"
                transition(session, record, RecordStatus.REGISTRY_FAILED, actor=actor, reason=gave_up[:500],
                           flow_run_id=flow_run_id)  # fmt: skip
                report.unreachable += 1
            else:
                submission.next_try_at = now + doubling_delay(
                    settings.registry_retry_s, submission.tries, jitter=0.5
                )
            session.add(submission)
    return report
