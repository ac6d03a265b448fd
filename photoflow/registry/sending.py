"""Send due submissions to the registry in packages, and poll the answers of accepted ones.

A package's answers are applied in one transaction right after the registry gives them. When the
registry cannot be reached even after the client's retries, the package's submissions wait for a
later run (with a doubling delay) and this run stops sending: hammering a registry that is down
helps nobody. After `registry_rounds` failed rounds a submission gives up (上网失败, registry
unreachable) until ops put it back in line.

Runs can overlap (a schedule and a manual run, two workers), so each package is claimed before it is
sent: its rows are taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL (under SQLite's write lock, one
claim after another) and marked with the run's claim until `claim_lease` from now, committed before
anything goes over the wire. Another run skips claimed rows and sends the rest. The claim ends in the
transaction that records the outcome. A run that stops mid-send (killed, crashed) leaves its claim to
run out, and a refused call leaves its run's name on the rows; the run that takes such rows over asks
the registry about their keys first and sends only those it never received, so not even a crash
sends a photo twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, update
from sqlmodel import col, select

from photoflow import storage
from photoflow.backoff import doubling_delay
from photoflow.registry import submission_state
from photoflow.registry.answers import AnswerRound, apply_answer
from photoflow.registry.api import MAX_QUERY_KEYS
from photoflow.registry.client import EntryAnswer, RegistryClient, RegistryRefused, RegistryUnavailable
from photoflow.registry.package_contract import package_problems
from photoflow.registry.packages import PackageEntry, build_package
from photoflow.settings import Settings
from photoflow.workers import chunks
from schemas.batches import Batch
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id, stored_ids
from schemas.records import StudentRecord
from schemas.registry_reports import SubmissionRound
from schemas.submissions import Submission, SubmissionState

Row = tuple[Submission, StudentRecord, Batch]


def claim_lease(settings: Settings) -> timedelta:
    """How long a claim holds: twice the longest one request may take through all its tries.

    A live run records its outcome well within it (the other half covers reading the photos and
    writing the answers), so a claim runs out only under a run that stopped.
    """
    tries = settings.registry_tries
    slowest = settings.registry_timeout_s * tries + settings.registry_backoff_max_s * (tries - 1)
    return timedelta(seconds=2 * slowest)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Queued, due, and held by no run (or by one whose claim ran out)."""
    return and_(
        col(Submission.state) == SubmissionState.QUEUED,
        col(Submission.next_try_at) <= now,
        or_(col(Submission.claimed_until).is_(None), col(Submission.claimed_until) <= now),
    )


def due_submissions(engine: Engine, *, batch_id: int | None = None, now: datetime | None = None) -> list[int]:
    """Queued submissions due to be sent and held by no run, oldest first (all batches, or one).

    The list claims nothing: `send_submissions` claims each package as it comes to it, so a row another
    run takes meanwhile is skipped there.
    """
    statement = select(col(Submission.id)).where(_claimable(now or utcnow()))
    if batch_id is not None:
        statement = statement.where(Submission.batch_id == batch_id)
    with session_scope(engine) as session:
        return stored_ids(session.exec(statement.order_by(col(Submission.id))).all())


@dataclass(frozen=True)
class _Package:
    """Rows claimed for one package (one batch); `unsure`: keys a run that stopped may have sent."""

    rows: list[Row]
    unsure: frozenset[str]


def send_submissions(
    engine: Engine,
    settings: Settings,
    client: RegistryClient,
    submission_ids: Sequence[int],
    *,
    actor: str,
    flow_run_id: str | None = None,
) -> SubmissionRound:
    """Send the given submissions (those still free to send) in packages of `registry_package_size`."""
    report = SubmissionRound()
    claim = uuid.uuid4().hex  # this call's own: two tasks of one flow run must not share a claim
    left = list(submission_ids)
    while package := _claim(engine, settings, left, claim):
        taken = {submission.id for submission, _, _ in package.rows}
        left = [submission_id for submission_id in left if submission_id not in taken]
        sent = _send(engine, settings, client, package, claim, actor=actor, flow_run_id=flow_run_id)
        report = report.add(sent)
        if sent.registry_error:
            break
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
        keys = list(session.exec(statement.order_by(col(Submission.id))).all())
    report = SubmissionRound()
    for some in chunks(keys, MAX_QUERY_KEYS):
        try:
            answers = client.query(some)
        except (RegistryUnavailable, RegistryRefused) as error:
            report.registry_error = str(error)
            break
        report = report.add(_apply(engine, answers, actor=actor, flow_run_id=flow_run_id))
    return report


def _claim(engine: Engine, settings: Settings, candidates: Sequence[int], claim: str) -> _Package | None:
    """Claim the next package among the candidates: rows of one batch (a manifest names one institution
    and category) that no run holds; None when none is left."""
    now = utcnow()
    with write_scope(engine) as session:
        free = session.exec(
            select(Submission)
            .where(col(Submission.id).in_(candidates), _claimable(now))
            .order_by(col(Submission.batch_id), col(Submission.id))
            .limit(settings.registry_package_size)
            .with_for_update(skip_locked=True)
        ).all()
        mine = [submission for submission in free if submission.batch_id == free[0].batch_id] if free else []
        if not mine:
            return None
        unsure = frozenset(submission.idempotency_key for submission in mine if submission.claimed_by)
        for submission in mine:
            submission.claimed_by, submission.claimed_until = claim, now + claim_lease(settings)
            session.add(submission)
        rows = session.exec(
            select(Submission, StudentRecord, Batch)
            .join(StudentRecord, col(StudentRecord.id) == Submission.record_id)
            .join(Batch, col(Batch.id) == Submission.batch_id)
            .where(col(Submission.id).in_([submission.id for submission in mine]))
            .order_by(col(Submission.id))
        ).all()
    return _Package(list(rows), unsure)


def _send(
    engine: Engine,
    settings: Settings,
    client: RegistryClient,
    package: _Package,
    claim: str,
    *,
    actor: str,
    flow_run_id: str | None,
) -> SubmissionRound:
    """Send one claimed package and apply the answers; keys a stopped run may have sent are asked first.

    A registry fault ends the claim too, and comes back as the round's `registry_error`.
    """
    report = SubmissionRound()
    moves: dict[str, Any] = dict(actor=actor, flow_run_id=flow_run_id)
    rows = package.rows
    try:
        if package.unsure:
            known = [answer for answer in client.query(sorted(package.unsure)) if answer.state != "unknown"]
            report = report.add(_apply(engine, known, claim=claim, **moves))
            answered = {answer.idempotency_key for answer in known}
            rows = [row for row in rows if row[0].idempotency_key not in answered]
        entries = _entries(settings, rows)
        broken = package_problems(entries)
        if broken:  # refused here, as the registry would: the rest of the package goes on
            refused = [_breaks_rules(key, rules) for key, rules in broken.items()]
            report = report.add(_apply(engine, refused, claim=claim, **moves))
            entries = [entry for entry in entries if entry.idempotency_key not in broken]
        if not entries:
            return report
        batch = rows[0][2]
        answers = client.send_package(build_package(batch.institution_code, batch.category.value, entries))
    except RegistryUnavailable as error:
        return report.add(_round_failed(engine, settings, rows, claim, str(error), utcnow(), **moves))
    except RegistryRefused as error:
        _let_go(engine, {stored_id(row[0]) for row in rows}, claim)
        return report.add(SubmissionRound(registry_error=str(error)))
    return report.add(SubmissionRound(sent=len(entries))).add(_apply(engine, answers, claim=claim, **moves))


def _let_go(engine: Engine, submission_ids: set[int], claim: str) -> None:
    """End this call's claim now but leave its name on the rows: the registry refused the call without
    saying what it holds, so whichever run sends them next asks about their keys first."""
    with write_scope(engine) as session:
        session.execute(
            update(Submission)
            .where(col(Submission.id).in_(submission_ids), col(Submission.claimed_by) == claim)
            .values(claimed_until=utcnow())
        )


def _entries(settings: Settings, rows: list[Row]) -> list[PackageEntry]:
    return [
        PackageEntry(
            submission.idempotency_key,
            submission.registry_key,
            record.name,
            storage.absolute(settings.data_dir, submission.photo_path).read_bytes(),
        )
        for submission, record, _ in rows
    ]


def _breaks_rules(key: str, rules: list[str]) -> EntryAnswer:
    """The answer the registry would give an entry that breaks its package rules."""
    return EntryAnswer(
        key,
        "rejected",
        reason_code="package_rules",
        reason="照片不符合学信网报送规则 / the photo breaks the registry's package rules: "
        + "; ".join(rules),
    )


def _apply(
    engine: Engine,
    answers: Sequence[EntryAnswer],
    *,
    claim: str | None = None,
    actor: str,
    flow_run_id: str | None,
) -> SubmissionRound:
    """Apply the answers, each on its locked row, and let go of `claim` on the rows answered."""
    report = SubmissionRound()
    now = utcnow()
    with write_scope(engine) as session:
        answering = AnswerRound(session, report, actor=actor, flow_run_id=flow_run_id, now=now)
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
            apply_answer(answering, submission, answer)
            if claim is not None and submission.claimed_by == claim:
                submission.claimed_by = submission.claimed_until = None
                session.add(submission)
    return report


def _round_failed(
    engine: Engine,
    settings: Settings,
    rows: list[Row],
    claim: str,
    error: str,
    now: datetime,
    *,
    actor: str,
    flow_run_id: str | None,
) -> SubmissionRound:
    """The package could not be delivered: let go of it, and wait longer before the next round or give up."""
    report = SubmissionRound(registry_error=error)
    with write_scope(engine) as session:
        for submission in session.exec(
            select(Submission).where(col(Submission.id).in_([row[0].id for row in rows])).with_for_update()
        ).all():
            if submission.claimed_by == claim:
                submission.claimed_by = submission.claimed_until = None
                session.add(submission)
            if submission.state != SubmissionState.QUEUED:
                continue
            submission.tries += 1
            submission.reason = error[:500]
            if submission.tries >= settings.registry_rounds:
                record = session.get(StudentRecord, submission.record_id, with_for_update=True)
                assert record is not None  # the submission's record: a foreign key
                submission_state.settle(
                    session,
                    submission,
                    record,
                    SubmissionState.UNREACHABLE,
                    RecordStatus.REGISTRY_FAILED,
                    reason=f"registry unreachable after {submission.tries} rounds: {error}",
                    actor=actor,
                    flow_run_id=flow_run_id,
                    at=now,
                )
                report.unreachable += 1
            else:
                submission.next_try_at = now + doubling_delay(
                    settings.registry_retry_s, submission.tries, jitter=0.5
                )
            session.add(submission)
    return report
