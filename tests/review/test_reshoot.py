"""Every rejection sends the student back for a new photo: reasons with hints, a notice, a new attempt."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from photoflow.manual_review.queue import claim
from photoflow.notify.delivery import deliver_due
from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
from photoflow.quality.stage import pending_attempts, review_attempts
from photoflow.roster.workbook import write_roster_workbook
from photoflow.similarity.held import HoldDecision, decide_held
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.notifications import Notification, NotificationStatus
from schemas.photos import PhotoAttempt
from schemas.reasons import ManualRejectReason
from schemas.records import StudentRecord
from schemas.reshoots import ReshootRequest, ReshootSource
from tests.helpers import students, upload
from tests.paths import DATASETS
from tests.review_helpers import alice_rejects, hold, manual_queue, reject
from tests.similarity_helpers import neutral

LEASE = timedelta(minutes=15)
SMILING = DATASETS / "id_defects" / "london_smiling_front" / "005_08.jpg"


def requests_and_notices(engine) -> list[tuple[ReshootRequest, Notification]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(ReshootRequest, Notification)
            .join(Notification, Notification.reshoot_id == ReshootRequest.id)
            .order_by(ReshootRequest.id)
        ).all()
        session.expunge_all()
        return list(rows)


def receive(engine, settings, batch_id: int, folder: Path, files: dict[str, Path]) -> None:
    folder.mkdir()
    for name, source in files.items():
        (folder / name).write_bytes(source.read_bytes())
    receive_photos(
        engine,
        settings,
        batch_id=batch_id,
        listing=list_upload(settings, folder),
        source_name=folder.name,
        author=IntakeAuthor("test-admin", None),
    )


def test_a_failed_automatic_review_asks_for_a_reshoot_with_hints_and_a_new_photo_is_a_new_attempt(
    engine, settings, contract, tmp_path, monkeypatch
):
    monkeypatch.setattr(settings, "photo_workers", 1)
    rows = students(1, seed=21)
    batch_id = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", rows)).batch_id
    id_number = rows[0]["id_number"]
    receive(engine, settings, batch_id, tmp_path / "first", {f"{id_number}.jpg": SMILING})
    review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    [(request, notice)] = requests_and_notices(engine)
    assert request.source == ReshootSource.AUTO_REVIEW and request.attempt_no == 1
    codes = {reason["code"] for reason in request.reasons}
    assert codes & {"smiling", "teeth_showing"}
    assert all(reason["zh"] and reason["en"] and reason["hint"] for reason in request.reasons)
    assert notice.status == NotificationStatus.PENDING and notice.recipient == rows[0]["email"]
    assert rows[0]["name"] in notice.body and "自动审核" in notice.body and "automatic review" in notice.body
    hint = request.reasons[0]["hint"]
    assert hint in notice.body and id_number not in notice.body

    # the same student (person 5), now neutral
    receive(engine, settings, batch_id, tmp_path / "second", {f"{id_number}.jpg": neutral(5)})
    review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    with session_scope(engine) as session:
        attempts = session.exec(select(PhotoAttempt).order_by(PhotoAttempt.attempt_no)).all()
        record = session.exec(select(StudentRecord)).one()
    assert [attempt.attempt_no for attempt in attempts] == [1, 2]
    assert all((settings.data_dir / attempt.original_path).is_file() for attempt in attempts)
    assert record.status == RecordStatus.IN_MANUAL_REVIEW
    assert len(requests_and_notices(engine)) == 1  # the pass asks for nothing


def test_a_reviewers_rejection_passes_on_the_reasons_and_the_note(engine, settings, contract, tmp_path):
    [review_id] = manual_queue(engine, settings, tmp_path, 1)
    claim(engine, reviewer="alice", limit=1, lease=LEASE)
    alice_rejects(engine, review_id, ManualRejectReason.SHADOW, ManualRejectReason.OTHER, note="hat brim")

    [(request, notice)] = requests_and_notices(engine)
    assert request.source == ReshootSource.MANUAL_REVIEW and request.requested_by == "alice"
    assert [reason["code"] for reason in request.reasons] == ["shadow", "other", "note"]
    assert ManualRejectReason.SHADOW.hint in notice.body and "hat brim" in notice.body
    assert "人工审核" in notice.body


def test_an_admin_rejecting_a_held_photo_asks_for_a_reshoot_and_submitting_anyway_does_not(
    engine, settings, contract, tmp_path
):
    review_ids = manual_queue(engine, settings, tmp_path, 2, photo=neutral(1))
    held = [hold(engine, settings, review_id, score=40.0, reference=neutral(2)) for review_id in review_ids]

    decide_held(engine, HoldDecision.REJECT_RESHOOT, actor="admin-li", record_ids=[held[0]], note="not him")
    decide_held(engine, HoldDecision.SUBMIT_ANYWAY, actor="admin-li", record_ids=[held[1]])

    [(request, notice)] = requests_and_notices(engine)
    assert (request.record_id, request.source, request.attempt_no) == (held[0], ReshootSource.HELD, 1)
    assert [reason["code"] for reason in request.reasons] == ["not_same_person", "note"]
    assert "not him" in notice.body and "比对拦截" in notice.body


def test_a_student_without_an_email_address_gets_a_notice_kept_for_ops(engine, settings, contract, tmp_path):
    [review_id] = manual_queue(engine, settings, tmp_path, 1)
    with session_scope(engine) as session:
        record = session.exec(select(StudentRecord)).one()
        record.email = None
        session.add(record)
    claim(engine, reviewer="alice", limit=1, lease=LEASE)
    alice_rejects(engine, review_id, ManualRejectReason.CLARITY)

    [(_, notice)] = requests_and_notices(engine)
    assert notice.status == NotificationStatus.NO_ADDRESS and notice.recipient is None


def test_a_rejection_wave_while_smtp_is_down_is_delivered_once_each_when_it_is_back(
    engine, settings, contract, tmp_path, smtp_server, monkeypatch
):
    for name, value in {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "notify_retry_s": 60,
    }.items():
        monkeypatch.setattr(settings, name, value)
    review_ids = manual_queue(engine, settings, tmp_path, 30)
    smtp_server.stop()
    reject(engine, review_ids[:15])  # the wave, while the mail server is down
    assert deliver_due(engine, settings).sent == 0  # a delivery run in the middle of the wave
    reject(engine, review_ids[15:])

    down = deliver_due(engine, settings)
    assert down.sent == 0 and down.still_pending == 30 and smtp_server.messages == []
    smtp_server.start()
    later = utcnow() + timedelta(hours=2)  # past every notice's backoff
    up = deliver_due(engine, settings, now=later)
    again = deliver_due(engine, settings, now=later + timedelta(hours=2))

    assert (up.sent, again.sent) == (30, 0)
    with session_scope(engine) as session:
        emails = set(session.exec(select(StudentRecord.email)).all())
        notices = session.exec(select(Notification)).all()
    received = Counter(message.message_id for message in smtp_server.messages)
    assert received == Counter({notice.message_id: 1 for notice in notices})
    assert {message.to for message in smtp_server.messages} == emails
    assert {notice.status for notice in notices} == {NotificationStatus.SENT}
