"""The pages as people use them: a real Chromium, the real app under uvicorn, the real database.

These tests drive what TestClient cannot: the keyboard shortcuts (static/review.js), the held page's
"select all" and the confirmation before a bulk decision (static/held.js), and that forms, redirects
and flash messages work together in a browser that enforces the app's Content-Security-Policy.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect
from sqlalchemy import Engine
from sqlmodel import select

from photoflow.institution_contracts import add_contract
from photoflow.settings import Settings
from schemas.accounts import UserRole
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.manual_review import ManualDecision, ManualReview
from schemas.records import RecordEvent, StudentRecord
from tests.helpers import INSTITUTION
from tests.review_helpers import INSTITUTION_NAMES, hold, manual_queue
from tests.similarity_helpers import neutral, smiling
from tests.web_helpers import PASSWORD, account

pytestmark = pytest.mark.browser

OTHER_INSTITUTION = "10002"
FLASH = "main > p.flash[role=status]"  # the message a POST leaves for the page that follows


def log_in_with_the_form(page: Page, name: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")


def press_and_wait(page: Page, key: str) -> None:
    """Press a shortcut that posts a form or follows a link, and wait for the page that follows."""
    with page.expect_navigation():
        page.keyboard.press(key)


def status_of(engine: Engine, record_id: int) -> RecordStatus:
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def batch_of(engine: Engine, record_id: int) -> int:
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).batch_id


def record_of(engine: Engine, review_id: int) -> int:
    with session_scope(engine) as session:
        return session.get(ManualReview, review_id).record_id


def actors_of_moves_to(engine: Engine, record_id: int, status: RecordStatus) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(RecordEvent.actor).where(
                    RecordEvent.record_id == record_id, RecordEvent.to_status == status
                )
            ).all()
        )


def test_a_reviewer_logs_in_and_works_the_queue_with_the_keyboard(
    engine: Engine, settings: Settings, contract: None, tmp_path: Path, page: Page
) -> None:
    first, second, third = manual_queue(engine, settings, tmp_path, 3, photo=neutral(1))
    reviewer = account(engine, "li.reviewer", UserRole.REVIEWER)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    log_in_with_the_form(page, reviewer)
    page.wait_for_url("**/review")
    review = page.locator("#review")
    expect(review).to_have_attribute("data-review-id", str(first))
    expect(page.locator("#photo-spec")).not_to_have_js_property("naturalWidth", 0)  # the photo itself loads

    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    press_and_wait(page, "j")
    expect(review).to_have_attribute("data-review-id", str(second))
    press_and_wait(page, "k")
    expect(review).to_have_attribute("data-review-id", str(first))

    page.keyboard.press("2")
    page.keyboard.press("3")
    expect(page.locator("input[name=reasons]:checked")).to_have_count(2)
    posts.clear()
    press_and_wait(page, "r")
    assert [url.rsplit("/", 2)[-2:] for url in posts] == [["review", str(first)]]
    expect(page.locator(FLASH)).to_contain_text(f"photo {first}: {ManualDecision.REJECTED.label}")
    expect(page.locator(FLASH)).to_contain_text(RecordStatus.RESHOOT_REQUESTED.label)
    expect(review).to_have_attribute("data-review-id", str(second))

    posts.clear()
    page.keyboard.press("r")  # no reason ticked: the page says why and sends nothing
    expect(page.locator("#reject-hint")).to_be_visible()
    assert posts == []
    assert status_of(engine, record_of(engine, second)) == RecordStatus.IN_MANUAL_REVIEW

    press_and_wait(page, "a")
    expect(page.locator(FLASH)).to_contain_text(f"photo {second}: {ManualDecision.APPROVED.label}")
    expect(page.locator(FLASH)).to_contain_text(RecordStatus.COLLECTED.label)
    expect(review).to_have_attribute("data-review-id", str(third))
    expect(page.locator("#next")).to_have_count(0)

    with session_scope(engine) as session:
        rejected, approved, untouched = (session.get(ManualReview, i) for i in (first, second, third))
    assert (rejected.decision, rejected.reasons, rejected.decided_by) == (
        ManualDecision.REJECTED,
        ["clarity", "shadow"],
        reviewer,
    )
    assert (approved.decision, approved.decided_by) == (ManualDecision.APPROVED, reviewer)
    assert untouched.decision is None and untouched.holder == reviewer
    assert status_of(engine, rejected.record_id) == RecordStatus.RESHOOT_REQUESTED
    assert status_of(engine, approved.record_id) == RecordStatus.COLLECTED
    assert actors_of_moves_to(engine, rejected.record_id, RecordStatus.RESHOOT_REQUESTED) == [reviewer]
    assert actors_of_moves_to(engine, approved.record_id, RecordStatus.COLLECTED) == [reviewer]


def test_an_admin_bulk_resolves_held_records(
    engine: Engine, settings: Settings, contract: None, tmp_path: Path, page: Page
) -> None:
    with session_scope(engine) as session:
        add_contract(
            session,
            institution_code=OTHER_INSTITUTION,
            institution_name=INSTITUTION_NAMES[OTHER_INSTITUTION],
            category=EducationCategory.REGULAR,
            price_per_photo=Decimal("30.00"),
            valid_until=date.today() + timedelta(days=365),
        )
    ours = manual_queue(engine, settings, tmp_path, 3, photo=neutral(1))
    theirs = manual_queue(
        engine, settings, tmp_path, 1, photo=neutral(2), seed=12, institution=OTHER_INSTITUTION
    )
    low, lower, middling = (
        hold(engine, settings, review_id, score=score, reference=smiling(3))
        for review_id, score in zip(ours, (40, 30, 70), strict=True)
    )
    outsider = hold(engine, settings, theirs[0], score=20, reference=smiling(4))
    admin = account(engine, "wang.admin", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    confirmations: list[str] = []
    page.on("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))

    log_in_with_the_form(page, admin)
    page.wait_for_url("**/progress")
    page.goto("/held")
    rows = page.locator("table.held tbody tr")
    expect(rows).to_have_count(3)
    assert sorted(int(r) for r in rows.evaluate_all("rows => rows.map(r => r.dataset.record)")) == sorted(
        [low, lower, middling]
    )
    expect(page.locator(f"tr[data-record='{outsider}']")).to_have_count(0)
    expect(page.locator("#held-bulk")).to_have_count(0)  # no bulk decision before a batch is chosen

    filters = page.locator("#held-filter")
    batches = filters.locator("select[name=batch] option")
    expect(batches).to_have_count(2)  # "all", and this institution's one batch: not the other's
    filters.locator("select[name=batch]").select_option(str(batch_of(engine, low)))
    filters.locator("select[name=band]").select_option("different")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    expect(rows).to_have_count(2)
    with page.expect_navigation():
        page.locator("#held-bulk button[value=reject_reshoot]").click()
    expect(page.locator(FLASH)).to_contain_text("2 records")
    assert confirmations == ["确认按筛选条件批量处理？ / Decide every record matching the filter?"]

    assert [status_of(engine, r) for r in (low, lower, middling)] == [
        RecordStatus.RESHOOT_REQUESTED,
        RecordStatus.RESHOOT_REQUESTED,
        RecordStatus.HELD,
    ]
    assert actors_of_moves_to(engine, low, RecordStatus.RESHOOT_REQUESTED) == [admin]

    expect(rows).to_have_count(1)
    expect(page.locator(f"tr[data-record='{middling}']")).to_have_count(1)
    page.check("#select-all")
    expect(page.locator(f"tr[data-record='{middling}'] input[name=records]")).to_be_checked()
    with page.expect_navigation():
        page.locator("#held-selected button[value=submit_anyway]").click()
    expect(page.locator(FLASH)).to_contain_text("1 records")
    expect(page.locator("#held-empty")).to_be_visible()
    assert len(confirmations) == 1  # deciding ticked records needs no confirmation

    assert status_of(engine, middling) == RecordStatus.COLLECTED
    assert actors_of_moves_to(engine, middling, RecordStatus.COLLECTED) == [admin]
    assert status_of(engine, outsider) == RecordStatus.HELD


def test_a_wrong_password_is_refused_and_logs_nobody_in(engine: Engine, page: Page) -> None:
    reviewer = account(engine, "zhao.reviewer", UserRole.REVIEWER)
    refusals: list[int] = []
    page.on(
        "response",
        lambda response: refusals.append(response.status) if _is_login_post(response.request) else None,
    )

    log_in_with_the_form(page, reviewer, password=PASSWORD + "x")

    expect(page.locator("#login-error")).to_have_text("wrong user name or password / 用户名或密码错误")
    assert refusals == [401]
    assert page.url.endswith("/login")
    expect(page.locator("input[name=name]")).to_have_value(reviewer)
    expect(page.locator("input[name=password]")).to_have_value("")
    page.goto("/review")
    page.wait_for_url("**/login?next=/review")
    expect(page.locator("header .who")).to_have_count(0)


def _is_login_post(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/login")
