"""Delivering the outbox: due notices are claimed, sent over one SMTP session, and each outcome is
committed the moment it is known.

- The claim (`claimed_until`, a lease) is written in one short transaction before any mail goes out,
  so two senders running at once (the scheduled run and an operator's) never take the same notice.
- Each notice's outcome is committed right after the server answers for it, so a crash resends at
  most the one message in flight, and that resend carries the same Message-ID.
- A failure touches only the notices it concerns: a refused recipient fails that notice; a lost
  connection sends every notice not yet sent back to wait, one try used; a wrong login or TLS setup
  uses no tries at all (it is ours to fix, not the students' addresses' fault).
- Nothing is lost: a notice leaves `pending` only as sent, failed (refused, or out of tries) or with
  no address to send to.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, update
from sqlmodel import col, select

from photoflow.backoff import doubling_delay
from photoflow.notify import notice_state
from photoflow.notify.smtp import Fault, build_message, classify, connect, describe, mask_email, send
from photoflow.settings import Settings
from schemas.clock import utcnow
from schemas.db import session_scope, write_scope
from schemas.notification_reports import DeliveryReport, NoticeOut
from schemas.notifications import Notification, NotificationStatus
from schemas.outputs import from_row
from schemas.records import StudentRecord

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# Sending stops this long before the claim runs out: past it, another sender may take the notices.
LEASE_MARGIN = timedelta(seconds=30)
JITTER = 0.1  # a retry waits up to this fraction less, so notices that failed together spread out
NOT_CONFIGURED = "SMTP not configured (set PHOTOFLOW_SMTP_HOST)"
NOTHING_DUE = "No notices are due."
SMTP_SETTINGS_HINT = "check PHOTOFLOW_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD and _SENDER"


@dataclass(frozen=True)
class _Claimed:
    """A claimed notice, read in the claim's transaction; what is needed to send it and record it."""

    id: int
    recipient: str | None
    subject: str
    body: str
    message_id: str
    tries: int


def deliver_due(
    engine: Engine, settings: Settings, *, now: datetime | None = None, limit: int = 500
) -> DeliveryReport:
    """Send up to `limit` due notices, oldest due first, and say what became of them."""
    now = now or utcnow()
    if not settings.smtp_host:
        pending = _count_pending(engine)
        if pending:
            log.warning("outbox: %d notices wait; %s", pending, NOT_CONFIGURED)
        return DeliveryReport(still_pending=pending, message=NOT_CONFIGURED)
    run = _Run(engine, settings, now=now)
    claimed = _claim(engine, now=now, until=run.claimed_until, limit=limit)
    if claimed:
        run.deliver(claimed)
    else:
        run.message = NOTHING_DUE
    report = run.report(still_pending=_count_pending(engine))
    log.info(
        "outbox: %d sent, %d to retry, %d failed, %d without address, %d still pending",
        report.sent,
        report.retry_later,
        report.failed,
        report.no_address,
        report.still_pending,
    )
    return report


def retry_delay(tries: int, settings: Settings) -> timedelta:
    """The wait after the `tries`-th failed try: doubling from `notify_retry_s`, capped, jittered."""
    return doubling_delay(settings.notify_retry_s, tries, max_s=settings.notify_retry_max_s, jitter=JITTER)


def outbox_counts(engine: Engine, *, batch_id: int | None = None) -> dict[NotificationStatus, int]:
    """How many notices are in each status (every status present, 0 when none), for one batch or all."""
    statement = select(col(Notification.status), func.count()).group_by(col(Notification.status))
    if batch_id is not None:
        statement = statement.join(StudentRecord, col(StudentRecord.id) == Notification.record_id).where(
            StudentRecord.batch_id == batch_id
        )
    counts = dict.fromkeys(NotificationStatus, 0)
    with session_scope(engine) as session:
        for status, count in session.exec(statement).all():
            counts[status] = count
    return counts


def list_notices(
    engine: Engine,
    *,
    status: NotificationStatus | None = None,
    batch_id: int | None = None,
    limit: int = 100,
) -> list[NoticeOut]:
    """The newest `limit` notices, optionally of one status or batch, recipients masked."""
    statement = select(Notification).order_by(col(Notification.id).desc()).limit(limit)
    if status is not None:
        statement = statement.where(Notification.status == status)
    if batch_id is not None:
        statement = statement.join(StudentRecord, col(StudentRecord.id) == Notification.record_id).where(
            StudentRecord.batch_id == batch_id
        )
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
    return [
        from_row(
            NoticeOut,
            row,
            id=row.id or 0,
            recipient=mask_email(row.recipient),
            status=row.status.value,
            status_label=row.status.label,
        )
        for row in rows
    ]


def _claim(engine: Engine, *, now: datetime, until: datetime, limit: int) -> list[_Claimed]:
    """Mark up to `limit` due, unclaimed notices as this run's until `until`, in one transaction."""
    with write_scope(engine) as session:
        due = session.exec(
            select(Notification)
            .where(
                Notification.status == NotificationStatus.PENDING,
                col(Notification.next_try_at) <= now,
                or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now),
            )
            .order_by(col(Notification.next_try_at), col(Notification.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if due:
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_([row.id for row in due]))
                .values(claimed_until=until)
            )
        return [
            _Claimed(row.id or 0, row.recipient, row.subject, row.body, row.message_id, row.tries)
            for row in due
        ]


def _count_pending(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == NotificationStatus.PENDING)
        ).one()


class _Run:
    """One delivery run: its claim, its clock, its tally, and the outcome writes."""

    def __init__(self, engine: Engine, settings: Settings, *, now: datetime) -> None:
        self.engine, self.settings, self.now = engine, settings, now
        self.claimed_until = now + LEASE  # also the run's token: outcome writes match on it
        self.started = time.monotonic()
        self.deadline = self.started + (LEASE - LEASE_MARGIN).total_seconds()
        self.tally = dict.fromkeys(("sent", "retry_later", "failed", "no_address"), 0)
        self.message: str | None = None

    def report(self, *, still_pending: int) -> DeliveryReport:
        return DeliveryReport(**self.tally, still_pending=still_pending, message=self.message)

    def deliver(self, claimed: Sequence[_Claimed]) -> None:
        addressed = [notice for notice in claimed if notice.recipient]
        for notice in claimed:
            if not notice.recipient:
                self._record(
                    notice, "no_address", NotificationStatus.NO_ADDRESS, last_error="no e-mail address"
                )
        if not addressed:
            return
        unsent = list(addressed)  # sent notices leave it as they go; what a crash gives back
        try:
            with ExitStack() as stack:
                try:
                    server = stack.enter_context(connect(self.settings))
                except (OSError, ValueError) as error:  # smtplib's and ssl's exceptions are OSErrors
                    self._stop(unsent, error, classify(error, connecting=True))
                    return
                self._send_all(server, unsent)
        except BaseException:
            # a database error or an interrupt: give back what was not sent rather than wait for the lease
            log.exception("outbox: delivery stopped; releasing %d claimed notices", len(unsent))
            with suppress(Exception):  # the database may be what failed; the lease runs out anyway
                self._release(unsent)
            raise

    def _send_all(self, server: smtplib.SMTP, unsent: list[_Claimed]) -> None:
        while unsent:
            if time.monotonic() > self.deadline:
                log.warning("outbox: the claim runs out; %d notices left for the next run", len(unsent))
                self._release(unsent)
                return
            if not self._send_one(server, unsent[0], unsent):
                return
            unsent.pop(0)

    def _send_one(self, server: smtplib.SMTP, notice: _Claimed, unsent: list[_Claimed]) -> bool:
        """Send `notice` and record what became of it; False when the run cannot go on."""
        sender, recipient = self.settings.smtp_sender, notice.recipient or ""
        try:
            message = build_message(
                sender=sender,
                recipient=recipient,
                subject=notice.subject,
                body=notice.body,
                message_id=notice.message_id,
                date=self._at(),
            )
            send(server, message, sender=sender, recipient=recipient)
        except (OSError, ValueError) as error:
            fault = classify(error)
            if fault in (Fault.CONNECTION, Fault.SETUP):
                self._stop(unsent, error, fault)
                return False
            text = describe(error, self.settings)
            log.warning("outbox: notice %d to %s: %s", notice.id, mask_email(recipient), text)
            if fault is Fault.REFUSED:
                self._record(
                    notice, "failed", NotificationStatus.FAILED, last_error=text, tries=notice.tries + 1
                )
            else:
                self._retry(notice, text)
            return True
        self._record(
            notice,
            "sent",
            NotificationStatus.SENT,
            sent_at=self._at(),
            last_error=None,
            tries=notice.tries + 1,
        )
        return True

    def _stop(self, unsent: list[_Claimed], error: Exception, fault: Fault) -> None:
        """The session is gone or cannot be had: every notice not yet sent goes back to wait."""
        text = describe(error, self.settings)
        if fault is Fault.SETUP:
            # our configuration, not the notices: no try is used up, the next run tries them again
            log.error("outbox: the mail server cannot be used (%s); %s", text, SMTP_SETTINGS_HINT)
            self._release(unsent, last_error=text)
            self.message = f"The mail server cannot be used: {text}; {SMTP_SETTINGS_HINT}."
            return
        log.warning("outbox: mail server unavailable (%s); %d notices wait for a retry", text, len(unsent))
        for notice in unsent:
            self._retry(notice, text)
        self.message = f"Mail server unavailable: {text}; {len(unsent)} notices will be tried again."

    def _retry(self, notice: _Claimed, text: str) -> None:
        tries = notice.tries + 1
        if tries >= self.settings.notify_max_tries:
            self._record(
                notice,
                "failed",
                NotificationStatus.FAILED,
                tries=tries,
                last_error=f"gave up after {tries} tries; the last: {text}"[:500],
            )
            return
        self._record(
            notice,
            "retry_later",
            None,
            tries=tries,
            last_error=text,
            next_try_at=self._at() + retry_delay(tries, self.settings),
        )

    def _record(
        self, notice: _Claimed, outcome: str, status: NotificationStatus | None, **values: Any
    ) -> None:
        """Commit one notice's outcome (a new status, or None: it stays pending) and release its claim,
        if the claim is still this run's."""
        with session_scope(self.engine) as session:
            written = session.exec(
                notice_state.outcome(notice.id, self.claimed_until, status, **values)
            ).rowcount
        if not written:
            log.warning(
                "outbox: notice %d was no longer this run's; its outcome (%s) not written", notice.id, outcome
            )
            return
        self.tally[outcome] += 1

    def _release(self, notices: Sequence[_Claimed], *, last_error: str | None = None) -> None:
        """Give claimed notices back untouched (but for `last_error`), for the next run."""
        if not notices:
            return
        values: dict[str, Any] = {"claimed_until": None}
        if last_error is not None:
            values["last_error"] = last_error
        with session_scope(self.engine) as session:
            session.execute(
                update(Notification)
                .where(
                    col(Notification.id).in_([notice.id for notice in notices]),
                    col(Notification.claimed_until) == self.claimed_until,
                )
                .values(**values)
            )

    def _at(self) -> datetime:
        """Now on the run's clock: the `now` it was given, moved on by the time the run has taken."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)
