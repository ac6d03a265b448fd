"""The web app through its HTTP API: logins, CSRF, the review queue, and the admin pages' scopes."""

from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select
from uvicorn.logging import AccessFormatter

from photoflow.auto_approval.screening import pending_screening, screen_attempts
from photoflow.institution_contracts import add_contract
from photoflow.sandbox.fraud_edits import with_software_tag
from photoflow.tamper.check import check_tamper
from photoflow.web.app import create_app
from photoflow.web.serve import MaskIdNumbers
from schemas.accounts import LoginAttempt, UserRole
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.institutions import Contract
from schemas.manual_review import ManualReview
from schemas.photos import AutoReview
from schemas.records import RecordEvent, StudentRecord
from schemas.screening import Screening
from tests.helpers import INSTITUTION
from tests.review_helpers import hold, manual_queue
from tests.similarity_helpers import neutral, smiling
from tests.web_helpers import account, log_in, token

OTHER = "10002"


@pytest.fixture
def client(settings) -> TestClient:
    return TestClient(create_app(settings))


def second_client(settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def other_institution(engine) -> None:
    with session_scope(engine) as session:
        add_contract(
            session,
            institution_code=OTHER,
            institution_name="第二测试学院",
            category=EducationCategory.REGULAR,
            price_per_photo=Decimal("25.00"),
            valid_until=date.today() + timedelta(days=365),
        )


def status_of(engine, record_id):
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def record_of(engine, review_id):
    with session_scope(engine) as session:
        return session.get(StudentRecord, session.get(ManualReview, review_id).record_id)


# logins -------------------------------------------------------------------------------------------


def test_pages_need_a_login_and_a_login_starts_at_the_role_s_home(engine, client, contract):
    account(engine, "alice", UserRole.REVIEWER)
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)

    assert client.get("/review", follow_redirects=False).headers["location"] == "/login?next=/review"
    assert log_in(client, "alice").headers["location"] == "/review"
    assert log_in(client, "dean").headers["location"] == "/progress"


def test_a_wrong_password_is_refused_with_the_same_words_as_an_unknown_name(engine, client):
    account(engine, "alice", UserRole.REVIEWER)

    wrong = log_in(client, "alice", "Wrong2026pw")
    unknown = log_in(client, "nobody", "Wrong2026pw")

    assert wrong.status_code == unknown.status_code == 401
    assert "wrong user name or password" in wrong.text and "wrong user name or password" in unknown.text
    assert client.get("/review", follow_redirects=False).status_code == 303  # still logged out


def test_repeated_failures_are_throttled_even_for_the_right_password(engine, client, settings):
    account(engine, "alice", UserRole.REVIEWER)
    for _ in range(settings.login_failures_per_name):
        assert log_in(client, "alice", "Wrong2026pw").status_code == 401

    throttled = log_in(client, "alice")

    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "分钟" in throttled.text or "minute" in throttled.text
    with session_scope(engine) as session:
        assert not any(a.succeeded for a in session.exec(select(LoginAttempt)))


def test_every_post_needs_the_session_s_csrf_token(engine, client, contract, tmp_path, settings):
    account(engine, "alice", UserRole.REVIEWER)
    [review_id] = manual_queue(engine, settings, tmp_path, 1, photo=neutral(1))

    no_token = client.post("/login", data={"name": "alice", "password": "Review2026ok"})
    assert no_token.status_code == 403 and "reload the page" in no_token.text

    log_in(client, "alice")
    client.get("/review")
    forged = client.post(f"/review/{review_id}", data={"decision": "approve", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert status_of(engine, record_of(engine, review_id).id) == RecordStatus.IN_MANUAL_REVIEW


def test_pages_send_security_headers_and_a_http_only_session_cookie(engine, client):
    account(engine, "alice", UserRole.REVIEWER)
    response = log_in(client, "alice")

    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_login_redirect_never_leaves_the_site(engine, client):
    account(engine, "alice", UserRole.REVIEWER)
    page = client.get("/login?next=//evil.example/x")
    response = client.post(
        "/login",
        data={
            "name": "alice",
            "password": "Review2026ok",
            "csrf_token": token(page.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/review"


# the review queue ---------------------------------------------------------------------------------


def test_the_review_page_shows_the_photos_findings_age_and_counts(
    engine, client, contract, tmp_path, settings
):
    account(engine, "alice", UserRole.REVIEWER)
    queue = manual_queue(engine, settings, tmp_path, 3, photo=neutral(1))
    log_in(client, "alice")

    page = client.get("/review")

    assert page.status_code == 200
    first = record_of(engine, queue[0])
    assert first.name in page.text and first.id_number not in page.text  # shown masked
    assert "左右偏转" in page.text and "yaw" in page.text  # stage 1's findings, labelled
    assert 'data-count="held_by_me">3<' in page.text and 'data-count="waiting">0<' in page.text
    assert "未到期 / On time" in page.text
    with session_scope(engine) as session:
        attempt_id = session.get(ManualReview, queue[0]).attempt_id
    photo = client.get(f"/photos/{attempt_id}/spec")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    shown, kept = Image.open(io.BytesIO(photo.content)), Image.open(neutral(1))
    assert shown.size == kept.size and not shown.getexif()  # the picture, without the file's metadata


def test_the_review_page_shows_screening_scores_and_signs_of_editing(
    engine, client, contract, tmp_path, settings
):
    account(engine, "alice", UserRole.REVIEWER)
    [review_id] = manual_queue(engine, settings, tmp_path, 1, photo=neutral(1))
    batch_id = record_of(engine, review_id).batch_id
    [screened] = screen_attempts(engine, settings, pending_screening(engine, batch_id), actor="ops")
    assert not screened.tamper_flagged
    with session_scope(engine) as session:  # as if the photo had come out of a beauty app
        screening = session.exec(select(Screening)).one()
        screening.tamper = check_tamper(
            with_software_tag(neutral(1).read_bytes(), "Meitu"), name="x"
        ).as_dict()
        session.add(screening)
    log_in(client, "alice")

    page = client.get(f"/review?item={review_id}")

    assert "筛查 / Screening" in page.text and "质量审核 / Quality review" in page.text
    assert "疑似修图或篡改 / Signs of editing" in page.text
    assert "照片经修图软件处理 / Edited with photo-editing software" in page.text
    assert "照片经过修图或合成 / Photo retouched, edited or fused" in page.text  # the reason to reject with


def test_two_reviewers_are_shown_different_photos(engine, settings, contract, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "review_claim_size", 2)
    account(engine, "alice", UserRole.REVIEWER)
    account(engine, "bob", UserRole.REVIEWER)
    queue = manual_queue(engine, settings, tmp_path, 3, photo=neutral(1))
    alice, bob = second_client(settings), second_client(settings)
    log_in(alice, "alice")
    log_in(bob, "bob")

    alice.get("/review")
    bob_page = bob.get("/review")

    assert f'data-review-id="{queue[2]}"' in bob_page.text  # the only photo alice does not hold
    with session_scope(engine) as session:
        holders = dict(session.exec(select(ManualReview.id, ManualReview.holder)).all())
    assert holders == {queue[0]: "alice", queue[1]: "alice", queue[2]: "bob"}


def test_approve_and_reject_from_the_page_move_records_with_the_reviewer_as_actor(
    engine, client, contract, tmp_path, settings
):
    account(engine, "alice", UserRole.REVIEWER)
    queue = manual_queue(engine, settings, tmp_path, 2, photo=neutral(1))
    log_in(client, "alice")
    csrf = token(client.get("/review").text)

    approved = client.post(f"/review/{queue[0]}", data={"decision": "approve", "csrf_token": csrf})
    missing_reason = client.post(f"/review/{queue[1]}", data={"decision": "reject", "csrf_token": csrf})
    assert "at least one reason" in missing_reason.text
    rejected = client.post(
        f"/review/{queue[1]}",
        data={"decision": "reject", "csrf_token": csrf, "reasons": ["lighting", "expression"]},
    )

    assert approved.status_code == rejected.status_code == 200  # followed to the next page
    assert status_of(engine, record_of(engine, queue[0]).id) == RecordStatus.COLLECTED
    assert status_of(engine, record_of(engine, queue[1]).id) == RecordStatus.RESHOOT_REQUESTED
    with session_scope(engine) as session:
        actors = set(
            session.exec(
                select(RecordEvent.actor).where(
                    RecordEvent.from_status.in_([RecordStatus.IN_MANUAL_REVIEW, RecordStatus.MANUAL_REJECTED])
                )
            )
        )
    assert actors == {"alice"}
    assert "queue-empty" in rejected.text  # nothing left to claim


def test_admins_cannot_open_the_queue_and_reviewers_cannot_open_admin_pages(engine, client, contract):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    account(engine, "alice", UserRole.REVIEWER)
    log_in(client, "dean")
    assert client.get("/review").status_code == 403
    log_in(client, "alice")
    assert client.get("/held").status_code == 403


def test_a_photo_path_outside_the_data_folder_is_never_served(engine, client, contract, tmp_path, settings):
    account(engine, "alice", UserRole.REVIEWER)
    [review_id] = manual_queue(engine, settings, tmp_path, 1, photo=neutral(1))
    (tmp_path / "secret.txt").write_text("not a photo")
    with session_scope(engine) as session:
        review = session.get(ManualReview, review_id)
        auto = session.exec(select(AutoReview).where(AutoReview.attempt_id == review.attempt_id)).one()
        auto.spec_image_path = "../secret.txt"
        session.add(auto)
    log_in(client, "alice")
    assert client.get(f"/photos/{review.attempt_id}/spec").status_code == 404
    assert client.get(f"/photos/{review.attempt_id}/passwd").status_code == 404


# admin pages --------------------------------------------------------------------------------------


@pytest.fixture
def held_two_institutions(engine, settings, contract, other_institution, tmp_path):
    ours = manual_queue(engine, settings, tmp_path, 3, photo=neutral(1))
    theirs = manual_queue(engine, settings, tmp_path, 1, photo=neutral(2), institution=OTHER)
    held = [
        hold(engine, settings, r, score=s, reference=smiling(3))
        for r, s in zip(ours, (30, 45, 70), strict=True)
    ]
    return held, hold(engine, settings, theirs[0], score=20, reference=smiling(4))


def test_an_institution_admin_sees_and_decides_only_their_own_held_records(
    engine, client, held_two_institutions
):
    ours, theirs = held_two_institutions
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    log_in(client, "dean")

    page = client.get("/held")
    assert page.text.count('name="records"') == 3 and f'data-record="{theirs}"' not in page.text
    with session_scope(engine) as session:
        their_photo = session.exec(
            select(ManualReview.attempt_id).where(ManualReview.record_id == theirs)
        ).one()
    assert client.get(f"/references/{theirs}/enrollment").status_code == 404
    assert client.get(f"/photos/{their_photo}/spec").status_code == 404

    response = client.post(
        "/held/decide",
        data={"decision": "submit_anyway", "records": [ours[2], theirs], "csrf_token": token(page.text)},
    )

    assert "not a student of your institution" in response.text
    assert status_of(engine, ours[2]) == RecordStatus.COLLECTED
    assert status_of(engine, theirs) == RecordStatus.HELD


def test_a_bulk_decision_by_filter_covers_exactly_the_matching_held_records(
    engine, client, held_two_institutions
):
    ours, theirs = held_two_institutions
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    log_in(client, "dean")
    batch_id = client.get("/held")  # the page, for the token
    with session_scope(engine) as session:
        batch = session.get(StudentRecord, ours[0]).batch_id

    response = client.post(
        "/held/decide-all",
        data={
            "decision": "reject_reshoot",
            "batch": batch,
            "band": "different",
            "note": "not the student",
            "csrf_token": token(batch_id.text),
        },
    )

    assert "2 records" in response.text
    assert [status_of(engine, r) for r in ours] == [RecordStatus.RESHOOT_REQUESTED] * 2 + [RecordStatus.HELD]
    assert status_of(engine, theirs) == RecordStatus.HELD
    with session_scope(engine) as session:
        reasons = session.exec(select(RecordEvent.reason).where(RecordEvent.actor == "dean")).all()
    assert all("not the student" in reason for reason in reasons) and len(reasons) == 2


def test_an_admin_switches_interception_for_their_own_institution_only(
    engine, client, contract, other_institution
):
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    log_in(client, "dean")
    page = client.get("/interception")
    assert "测试大学" in page.text and "第二测试学院" not in page.text
    csrf = token(page.text)

    client.post(
        "/interception",
        data={"institution": INSTITUTION, "category": "regular", "on": "true", "csrf_token": csrf},
    )
    refused = client.post(
        "/interception", data={"institution": OTHER, "category": "regular", "on": "true", "csrf_token": csrf}
    )

    assert refused.status_code == 403
    with session_scope(engine) as session:
        switched = dict(session.exec(select(Contract.institution_code, Contract.interception)).all())
    assert switched == {INSTITUTION: True, OTHER: False}


def test_the_progress_view_filters_by_status_and_finds_by_name_or_id_number(
    engine, client, held_two_institutions
):
    ours, theirs = held_two_institutions
    ops = account(engine, "ops", UserRole.OPS)
    log_in(client, ops)
    with session_scope(engine) as session:
        student = session.get(StudentRecord, ours[1])
        other = session.get(StudentRecord, theirs)

    everyone = client.get("/progress")
    held = client.get("/progress?status=held")
    by_name = client.get("/progress", params={"q": student.name})
    by_id_tail = client.get("/progress", params={"q": student.id_number[-6:]})
    bad = client.get("/progress?status=nonsense")

    assert "共 4 条" in everyone.text
    assert "共 4 条" in held.text  # three of ours and theirs are held
    assert f'data-record="{student.id}"' in by_name.text and f'data-record="{other.id}"' not in by_name.text
    assert f'data-record="{student.id}"' in by_id_tail.text and "共 1 条" in by_id_tail.text
    assert bad.status_code == 400 and "not a record status" in bad.text
    assert "共 0 条" in client.get("/progress", params={"q": "%_"}).text  # wildcards are searched literally

    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    log_in(client, "dean")
    assert "共 3 条" in client.get("/progress").text
    assert client.get("/progress", params={"batch": other.batch_id}).status_code == 404


def test_the_access_log_masks_an_id_number_in_a_search_url():
    request = ("127.0.0.1:5000", "GET", "/progress?q=110101199003074514", "1.1", 200)
    line_format = '%s - "%s %s HTTP/%s" %d'
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, line_format, request, None)

    assert MaskIdNumbers().filter(record)
    line = AccessFormatter(fmt="%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(
        record
    )

    assert "110101199003074514" not in line and "/progress?q=110" in line and "4514" in line
