"""The outbox sender against a real local SMTP server, on SQLite and PostgreSQL: every due notice goes
out once, nothing is lost while the server is down, and no address reaches the logs unmasked."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow.notify.delivery import NOT_CONFIGURED, NOTHING_DUE, deliver_due, list_notices, outbox_counts
from photoflow.notify.smtp import mask_email
from photoflow.roster.workbook import write_roster_workbook
from photoflow.settings import Settings, get_settings
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.notification_reports import DeliveryReport
from schemas.notifications import Notification, NotificationStatus
from schemas.records import StudentRecord
from schemas.reshoots import ReshootRequest, ReshootSource
from tests.helpers import run_together, students, upload

if TYPE_CHECKING:
    from tests.smtp_server import SmtpServer


SENDER = "photos@photoflow.test"
SUBJECT = "毕业照片需要重拍 / Please retake your graduation photo"
BODY = "同学你好：\n\n你提交的毕业照片未通过审核（背景颜色不符合要求）。\n请在 5 月 20 日前重新拍摄并上传。\n"


def configure(monkeypatch: pytest.MonkeyPatch, **values: object) -> Settings:
    """Settings as the deployment's environment would give them (the `settings` fixture's database)."""
    for name, value in values.items():
        monkeypatch.setenv(f"PHOTOFLOW_{name.upper()}", str(value))
    get_settings.cache_clear()
    return get_settings()


def smtp_env(port: int, **extra: object) -> dict[str, object]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_sender": SENDER,
        "smtp_timeout_s": 5,
        "notify_retry_s": 60,
        "notify_retry_max_s": 3600,
        **extra,
    }


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    return configure(monkeypatch, **smtp_env(smtp_server.port))


def queue_notices(
    engine: Engine,
    settings: Settings,
    folder: Path,
    count: int,
    *,
    due: datetime | None = None,
    seed: int = 7,
    learning_centre: str = "",
) -> list[Notification]:
    """A roster of `count` students, each with a rejected photo and a pending notice; oldest first.

    A learning centre makes the roster a batch of its own.
    """
    roster = write_roster_workbook(folder / f"roster-{seed}.xlsx", students(count, seed=seed))
    report = upload(engine, settings, roster, learning_centre=learning_centre)
    with session_scope(engine) as session:
        records = session.exec(
            select(StudentRecord)
            .where(
                StudentRecord.batch_id == report.batch_id,
                col(StudentRecord.id).not_in(select(Notification.record_id)),  # earlier rosters' students
            )
            .order_by(StudentRecord.id)
        ).all()
        notices = []
        for record in records:
            reshoot = ReshootRequest(
                record_id=record.id,
                attempt_no=1,
                source=ReshootSource.MANUAL_REVIEW,
                reasons=[{"code": "background"}],
                requested_by="test",
            )
            session.add(reshoot)
            session.flush()
            notice = Notification(
                record_id=record.id,
                reshoot_id=reshoot.id,
                subject=SUBJECT,
                body=BODY,
                recipient=f"s{seed}{record.id:05d}@example.edu",
                message_id=f"<reshoot-{reshoot.id}@photoflow.test>",
                status=NotificationStatus.PENDING,
                next_try_at=due or utcnow(),
            )
            session.add(notice)
            notices.append(notice)
        session.flush()
        return notices


def rows(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(Notification.id)).all())


def test_every_due_notice_is_delivered_once_with_its_headers_and_chinese_body(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    notices = queue_notices(engine, mail_settings, tmp_path, 3)

    report = deliver_due(engine, mail_settings)

    assert report == DeliveryReport(sent=3, still_pending=0)
    by_id = {message.message_id: message for message in smtp_server.messages}
    assert sorted(by_id) == sorted(n.message_id for n in notices) and len(smtp_server.messages) == 3
    for notice in notices:
        received = by_id[notice.message_id]
        assert (received.to, received.envelope_to) == (notice.recipient, (notice.recipient,))
        assert (received.subject, received.body, received.envelope_from) == (SUBJECT, BODY, SENDER)
        assert received.content_type == "text/plain" and received.date
    for row in rows(engine):
        assert row.status is NotificationStatus.SENT and row.sent_at is not None
        assert (row.claimed_until, row.last_error, row.tries) == (None, None, 1)

    again = deliver_due(engine, mail_settings)
    assert (again.sent, again.message, len(smtp_server.messages)) == (0, NOTHING_DUE, 3)


def test_while_the_server_is_down_nothing_is_lost_and_each_notice_goes_once_when_it_is_back(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    notices = queue_notices(engine, mail_settings, tmp_path, 4)
    smtp_server.stop()
    start = utcnow()

    down = deliver_due(engine, mail_settings, now=start)

    assert (down.sent, down.retry_later, down.failed, down.still_pending) == (0, 4, 0, 4)
    assert down.message and "unavailable" in down.message
    waiting = rows(engine)
    for row in waiting:
        assert (row.status, row.tries, row.claimed_until) == (NotificationStatus.PENDING, 1, None)
        assert row.next_try_at > start and row.last_error
    assert smtp_server.messages == []

    smtp_server.start()  # back, on the same port, before the notices are due again
    early = deliver_due(engine, mail_settings, now=start)
    assert (early.sent, early.still_pending, smtp_server.messages) == (0, 4, [])

    later = max(row.next_try_at for row in waiting) + timedelta(seconds=1)
    back = deliver_due(engine, mail_settings, now=later)

    assert (back.sent, back.still_pending) == (4, 0)
    assert Counter(smtp_server.received_ids()) == Counter(n.message_id for n in notices)
    assert all(row.status is NotificationStatus.SENT and row.tries == 2 for row in rows(engine))
    assert deliver_due(engine, mail_settings, now=later + timedelta(hours=2)).sent == 0
    assert len(smtp_server.messages) == 4


def test_a_notice_not_yet_due_is_not_sent(engine, mail_settings, contract, smtp_server, tmp_path):
    [due] = queue_notices(engine, mail_settings, tmp_path, 1, seed=1)
    [later] = queue_notices(engine, mail_settings, tmp_path, 1, seed=2, due=utcnow() + timedelta(hours=1))

    report = deliver_due(engine, mail_settings)

    assert (report.sent, report.still_pending) == (1, 1)
    assert smtp_server.received_ids() == [due.message_id]
    waiting = next(row for row in rows(engine) if row.id == later.id)
    assert (waiting.status, waiting.tries) == (NotificationStatus.PENDING, 0)


def test_a_recipient_the_server_refuses_fails_at_once_and_the_others_still_go(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    first, refused, last = queue_notices(engine, mail_settings, tmp_path, 3)
    smtp_server.refused.add(refused.recipient)

    report = deliver_due(engine, mail_settings)

    assert (report.sent, report.failed, report.retry_later) == (2, 1, 0)
    assert sorted(smtp_server.received_ids()) == sorted([first.message_id, last.message_id])
    failed = next(row for row in rows(engine) if row.id == refused.id)
    assert failed.status is NotificationStatus.FAILED and failed.claimed_until is None
    assert (
        failed.last_error and "550" in failed.last_error and "Recipient address rejected" in failed.last_error
    )
    assert refused.recipient not in failed.last_error and mask_email(refused.recipient) in failed.last_error


def test_a_recipient_the_server_puts_off_waits_for_a_retry_and_the_others_still_go(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    first, busy, last = queue_notices(engine, mail_settings, tmp_path, 3)
    smtp_server.busy.add(busy.recipient)
    start = utcnow()

    report = deliver_due(engine, mail_settings, now=start)

    assert (report.sent, report.retry_later, report.failed, report.still_pending) == (2, 1, 0, 1)
    assert sorted(smtp_server.received_ids()) == sorted([first.message_id, last.message_id])
    waiting = next(row for row in rows(engine) if row.id == busy.id)
    assert (waiting.status, waiting.tries, waiting.claimed_until) == (NotificationStatus.PENDING, 1, None)
    assert waiting.next_try_at > start and waiting.last_error and "450" in waiting.last_error

    smtp_server.busy.clear()
    retried = deliver_due(engine, mail_settings, now=waiting.next_try_at + timedelta(seconds=1))
    assert retried.sent == 1 and smtp_server.received_ids().count(busy.message_id) == 1


def test_a_notice_another_sender_holds_is_left_alone_until_its_lease_runs_out(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    [notice] = queue_notices(engine, mail_settings, tmp_path, 1)
    now = utcnow()
    with session_scope(engine) as session:  # a sender that took it, then crashed before sending
        row = session.get(Notification, notice.id)
        assert row is not None
        row.claimed_until = now + timedelta(minutes=5)

    held = deliver_due(engine, mail_settings, now=now)
    assert (held.sent, held.still_pending, smtp_server.messages) == (0, 1, [])

    expired = deliver_due(engine, mail_settings, now=now + timedelta(minutes=6))
    assert expired.sent == 1 and smtp_server.received_ids() == [notice.message_id]


def test_a_notice_that_keeps_failing_is_given_up_after_the_last_try(
    engine, settings, contract, closed_port, monkeypatch, tmp_path
):
    down = configure(monkeypatch, **smtp_env(closed_port, notify_max_tries=2))
    queue_notices(engine, down, tmp_path, 1)

    first = deliver_due(engine, down)
    [row] = rows(engine)
    assert (first.retry_later, row.status, row.tries) == (1, NotificationStatus.PENDING, 1)

    second = deliver_due(engine, down, now=row.next_try_at + timedelta(seconds=1))

    [row] = rows(engine)
    assert (second.failed, second.retry_later, second.still_pending) == (1, 0, 0)
    assert (row.status, row.tries, row.claimed_until) == (NotificationStatus.FAILED, 2, None)
    assert row.last_error and row.last_error.startswith("gave up after 2 tries")


def test_two_senders_at_once_never_send_a_notice_twice(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    notices = queue_notices(engine, mail_settings, tmp_path, 30)
    now = utcnow()
    barrier = threading.Barrier(2)
    reports: list[DeliveryReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            barrier.wait()
            while (report := deliver_due(engine, mail_settings, now=now, limit=4)).message != NOTHING_DUE:
                reports.append(report)
        except BaseException as error:
            errors.append(error)

    run_together(sender, sender)

    assert errors == []
    assert Counter(smtp_server.received_ids()) == Counter(n.message_id for n in notices)
    assert sum(report.sent for report in reports) == 30
    assert all(row.status is NotificationStatus.SENT for row in rows(engine))


def test_without_a_mail_server_configured_nothing_is_sent_and_every_notice_waits(
    engine, settings, contract, smtp_server, tmp_path
):
    queue_notices(engine, settings, tmp_path, 2)

    report = deliver_due(engine, settings)

    assert report == DeliveryReport(still_pending=2, message=NOT_CONFIGURED)
    assert "PHOTOFLOW_SMTP_HOST" in NOT_CONFIGURED
    assert all(
        (r.status, r.tries, r.claimed_until) == (NotificationStatus.PENDING, 0, None) for r in rows(engine)
    )
    assert smtp_server.messages == []


def test_the_sender_logs_in_when_a_user_is_set(
    engine, settings, contract, smtp_server, monkeypatch, tmp_path
):
    smtp_server.credentials = ("photoflow", "s3cret")
    login = configure(
        monkeypatch, **smtp_env(smtp_server.port, smtp_user="photoflow", smtp_password="s3cret")
    )
    queue_notices(engine, login, tmp_path, 2)

    report = deliver_due(engine, login)

    assert report.sent == 2 and smtp_server.logins == ["photoflow"]


def test_a_refused_login_uses_no_tries_and_says_what_to_check(
    engine, settings, contract, smtp_server, monkeypatch, tmp_path
):
    smtp_server.credentials = ("photoflow", "s3cret")
    wrong = configure(monkeypatch, **smtp_env(smtp_server.port, smtp_user="photoflow", smtp_password="wrong"))
    queue_notices(engine, wrong, tmp_path, 2)

    report = deliver_due(engine, wrong)

    assert (report.sent, report.retry_later, report.failed, report.still_pending) == (0, 0, 0, 2)
    assert report.message and "535" in report.message and "PHOTOFLOW_SMTP_PASSWORD" not in report.message
    assert "PHOTOFLOW_SMTP_HOST" in report.message
    for row in rows(engine):
        assert (row.status, row.tries, row.claimed_until) == (NotificationStatus.PENDING, 0, None)
        assert row.last_error and "535" in row.last_error
    assert smtp_server.messages == []


def test_a_pending_notice_without_an_address_is_marked_so_and_not_sent(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    first, second = queue_notices(engine, mail_settings, tmp_path, 2)
    with session_scope(engine) as session:
        row = session.get(Notification, first.id)
        assert row is not None
        row.recipient = None

    report = deliver_due(engine, mail_settings)

    assert (report.sent, report.no_address) == (1, 1)
    assert smtp_server.received_ids() == [second.message_id]
    assert rows(engine)[0].status is NotificationStatus.NO_ADDRESS


def test_logs_never_show_a_recipient_address_unmasked(
    engine, mail_settings, contract, smtp_server, caplog, tmp_path
):
    notices = queue_notices(engine, mail_settings, tmp_path, 3)
    smtp_server.refused.add(notices[0].recipient)
    caplog.set_level(logging.DEBUG)

    deliver_due(engine, mail_settings)
    smtp_server.stop()
    notices += queue_notices(engine, mail_settings, tmp_path, 2, seed=2)  # to wait while the server is down
    deliver_due(engine, mail_settings)

    ours = [record.getMessage() for record in caplog.records if record.name.startswith("photoflow")]
    assert any(mask_email(notices[0].recipient) in line for line in ours)  # the refusal was logged
    for notice in notices:
        assert not any(notice.recipient in line for line in ours)
    for row in rows(engine):
        assert not any(notice.recipient in (row.last_error or "") for notice in notices)


def test_counts_and_listing_show_the_outbox_per_batch_with_addresses_masked(
    engine, mail_settings, contract, smtp_server, tmp_path
):
    first_batch = queue_notices(engine, mail_settings, tmp_path, 2, seed=1)
    smtp_server.refused.add(first_batch[0].recipient)
    deliver_due(engine, mail_settings)
    later = utcnow() + timedelta(hours=1)
    queue_notices(engine, mail_settings, tmp_path, 3, seed=2, due=later, learning_centre="东校区")
    with session_scope(engine) as session:
        record = session.get(StudentRecord, first_batch[0].record_id)
        assert record is not None
        batch_id = record.batch_id

    everything = outbox_counts(engine)
    assert everything == {
        NotificationStatus.PENDING: 3,
        NotificationStatus.SENT: 1,
        NotificationStatus.FAILED: 1,
        NotificationStatus.NO_ADDRESS: 0,
    }
    assert outbox_counts(engine, batch_id=batch_id)[NotificationStatus.PENDING] == 0
    listed = list_notices(engine, batch_id=batch_id)
    assert [notice.id for notice in listed] == [first_batch[1].id, first_batch[0].id]  # newest first
    failed = list_notices(engine, status=NotificationStatus.FAILED)
    assert [notice.id for notice in failed] == [first_batch[0].id]
    assert failed[0].recipient == mask_email(first_batch[0].recipient) != first_batch[0].recipient
    assert failed[0].status_label == "发送失败 / Failed" and failed[0].last_error
    assert len(list_notices(engine, status=NotificationStatus.PENDING, limit=2)) == 2


def test_addresses_are_masked_to_the_first_letters_and_the_domain():
    assert mask_email("s2024000123@example.edu") == "s2***@example.edu"
    assert mask_email("ab@example.edu") == "a***@example.edu"
    assert mask_email(None) == ""
