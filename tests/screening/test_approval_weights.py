"""The combined score (the patent's formula and its general form) and weights learnt from human decisions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from photoflow.auto_approval.formula import combine, weights_from_rates
from photoflow.auto_approval.quality_score import margin, quality_score
from photoflow.auto_approval.report import approval_report
from photoflow.auto_approval.weights import current_weights, recompute_weights
from photoflow.manual_review.decisions import AUTO_APPROVER, OVERRIDE_REASON, approve, auto_approve, decide
from photoflow.manual_review.queue import claim
from schemas.db import session_scope
from schemas.manual_review import DecisionSource, ManualDecision, ManualReview
from schemas.reasons import ManualRejectReason
from schemas.records import RecordEvent, StudentRecord
from schemas.screening import ApprovalInterface as I
from schemas.screening import Screening, ScreeningOutcome
from tests.paths import PROJECT
from tests.review_helpers import alice_rejects, manual_queue

DOCS = PROJECT / "docs" / "auto_approval.md"


def test_two_interfaces_give_the_patents_formula_exactly():
    rates = {I.QUALITY: 0.6, I.TAMPER: 0.9}  # W = 0.9 / 1.5 = 0.6 for the tamper interface
    combined = combine({I.QUALITY: 80.0, I.TAMPER: 95.0}, rates)
    w = 0.6
    assert combined.patent_score == pytest.approx((80.0 * (1 - w) + 95.0 * w) / 2, abs=0.01)
    assert combined.score == pytest.approx(2 * combined.patent_score, abs=0.02)
    assert combined.weights == {I.QUALITY: pytest.approx(0.4), I.TAMPER: pytest.approx(0.6)}


def test_weights_sum_to_one_and_follow_the_rates():
    weights = weights_from_rates({I.QUALITY: 0.5, I.SIMILARITY: 1.0, I.TAMPER: 0.5}, list(I))
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights[I.SIMILARITY] == pytest.approx(0.5)
    assert weights_from_rates({}, [I.QUALITY, I.TAMPER]) == {I.QUALITY: 0.5, I.TAMPER: 0.5}
    three = combine(
        {I.QUALITY: 90.0, I.SIMILARITY: 60.0, I.TAMPER: 90.0}, {I.QUALITY: 1, I.SIMILARITY: 1, I.TAMPER: 1}
    )
    assert three.score == pytest.approx(80.0)
    assert three.patent_score == pytest.approx(80.0 / 3, abs=0.01)


def test_quality_margins_are_zero_at_a_limit_and_one_well_inside():
    assert margin(0.0, -10.0, 10.0) == 1.0
    assert margin(10.0, -10.0, 10.0) == 0.0
    assert margin(0.0, None, 0.025) == 1.0  # no teeth at all
    assert margin(0.02, None, 0.025) == pytest.approx(0.2)
    assert margin(60.0, 60.0, None) == 0.0  # sharpness at its floor
    assert margin(300.0, 60.0, None) == 1.0
    judged = [
        {"measure": "yaw", "value": 0.0, "low": -12, "high": 12, "passed": True},
        {"measure": "smile", "value": 0.6, "low": None, "high": 0.8, "passed": True},
        {"measure": "head_top", "value": 50.0, "low": 50, "high": 110, "passed": True},  # framing: left out
    ]
    # the mean margin (1.0 + 0.25) / 2 and the weakest, 0.25, averaged
    assert quality_score(judged) == pytest.approx(100 * ((1.0 + 0.25) / 2 + 0.25) / 2, abs=0.1)
    assert margin(1.0, None, 1.45, ideal=1.0) == 1.0  # light balance: even light is its best value
    assert quality_score([{"measure": "head_top", "value": 51, "low": 50, "high": 110}]) is None


def _screened(engine, scores: Callable[[int], dict[I, float]]) -> None:
    with session_scope(engine) as session:
        for review in session.exec(select(ManualReview).order_by(ManualReview.id)):
            record = session.get(StudentRecord, review.record_id)
            session.add(
                Screening(
                    attempt_id=review.attempt_id,
                    record_id=record.id,
                    batch_id=record.batch_id,
                    scores={k.value: v for k, v in scores(review.attempt_id).items()},
                    outcome=ScreeningOutcome.TO_REVIEWER,
                    complete=True,
                    tamper={"score": 0.0, "flagged": False},
                    screened_by="test",
                )
            )


def _decide_all(engine, approved) -> None:
    """What a reviewer's decisions in the queue leave on the rows (without claiming them one by one)."""
    with session_scope(engine) as session:
        for review in session.exec(select(ManualReview)):
            review.decision = (
                ManualDecision.APPROVED if approved(review.attempt_id) else ManualDecision.REJECTED
            )
            review.decided_by, review.decided_via = "alice", DecisionSource.QUEUE
            session.add(review)


def test_weights_are_learnt_from_reviewers_and_checked_on_the_held_back_slice(
    engine, settings, contract, tmp_path, monkeypatch
):
    monkeypatch.setattr(settings, "approval_held_back_percent", 25)
    monkeypatch.setattr(settings, "approval_min_history", 40)
    manual_queue(engine, settings, tmp_path, 40)  # attempts 1-40: 1-24 held back (id mod 100 < 25)
    good = {attempt for attempt in range(1, 41) if attempt % 4 != 0}  # a reviewer approves 3 in 4

    def scores(attempt: int) -> dict[I, float]:
        # quality agrees with the reviewers except on attempts 4 and 30; tamper never objects
        passes = (attempt in good) != (attempt in {4, 30})
        return {I.QUALITY: 90.0 if passes else 20.0, I.TAMPER: 100.0}

    _screened(engine, scores)
    _decide_all(engine, lambda attempt: attempt in good)

    weights = recompute_weights(engine, settings, actor="ops", threshold=80.0)

    approved = sum(a in good for a in range(25, 41))  # the 16 training attempts
    assert weights.decided == 40 and weights.held_back == 24
    assert weights.rates["quality"] == {"rate": round((15 + 1) / 18, 4), "agreed": 15, "total": 16}
    assert weights.rates["tamper"] == {"rate": round((approved + 1) / 18, 4), "agreed": approved, "total": 16}
    assert weights.rates["similarity"]["total"] == 0
    # held back (1-24): quality 90 clears 80 whatever the weights; attempt 4 was rejected by the reviewer
    assert weights.held_back_auto == 18 + 1
    assert weights.held_back_disagree == 1
    assert weights.held_back_missed == 0
    assert current_weights(engine, settings).id == weights.id

    report = approval_report(engine)
    assert report.screened == 40 and report.routed_share == 1.0
    assert report.weights.disagreement == pytest.approx(1 / 19, abs=1e-4)


def test_auto_approved_photos_never_count_as_confirmation(engine, settings, contract, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "approval_min_history", 10)
    manual_queue(engine, settings, tmp_path, 6)
    _screened(engine, lambda attempt: {I.QUALITY: 95.0, I.TAMPER: 100.0})
    with session_scope(engine) as session:
        for review in session.exec(select(ManualReview)):
            auto_approve(session, review, reason="auto-approved: test", flow_run_id=None)
        assert {r.decided_by for r in session.exec(select(ManualReview))} == {AUTO_APPROVER}

    weights = recompute_weights(engine, settings, actor="ops")

    assert weights.decided == 0
    assert weights.rates["quality"] == {"rate": 0.5, "agreed": 0, "total": 0}
    assert current_weights(engine, settings) is None  # 0 of the 10 decisions needed


def test_ops_approvals_of_the_whole_queue_never_teach_auto_approval(
    engine, settings, contract, tmp_path, monkeypatch
):
    """`manual approve --all` approves whatever is left in the queue: nobody judged those photos, so only
    the photos reviewers decided in the queue count, and the ops override's approvals are left out."""
    monkeypatch.setattr(settings, "approval_held_back_percent", 1)  # attempts 1-12: none held back
    queue = manual_queue(engine, settings, tmp_path, 12)
    _screened(engine, lambda attempt: {I.QUALITY: 90.0, I.TAMPER: 100.0})
    claim(engine, reviewer="alice", limit=4, lease=timedelta(minutes=15))
    for review_id in queue[:3]:
        decide(engine, review_id, reviewer="alice", decision=ManualDecision.APPROVED)
    alice_rejects(engine, queue[3], ManualRejectReason.LIGHTING)
    with session_scope(engine) as session:
        batch_id = session.exec(select(StudentRecord.batch_id)).first()
    # the domain call behind `photoflow manual approve --batch N --all`: the other 8 photos
    assert approve(engine, batch_id, actor="ops", everyone=True) == (8, [])

    weights = recompute_weights(engine, settings, actor="ops", threshold=80.0)

    assert weights.decided == 4 and weights.held_back == 0
    # quality passed all four; alice approved three of them
    assert weights.rates["quality"] == {"rate": round((3 + 1) / (4 + 2), 4), "agreed": 3, "total": 4}
    assert weights.rates["tamper"]["total"] == 4
    assert approval_report(engine).weights.decided == 4
    with session_scope(engine) as session:
        rows = session.exec(select(ManualReview).order_by(ManualReview.id)).all()
        ways = [(r.decided_by, r.decided_via) for r in rows]
    assert ways == [("alice", DecisionSource.QUEUE)] * 4 + [("ops", DecisionSource.OPS_OVERRIDE)] * 8
    with session_scope(engine) as session:  # the record's event says it too, for the audit trail
        reasons = session.exec(select(RecordEvent.reason).where(RecordEvent.actor == "ops")).all()
    assert reasons == [OVERRIDE_REASON] * 8
    with engine.connect() as connection:  # the analysts' SQL in the docs reads the same decisions
        documented = connection.execute(text(_documented_sql("m.decided_via = 'queue'"))).all()
    assert [row.attempt_id for row in documented] == [rows[i].attempt_id for i in range(4)]


def _documented_sql(containing: str) -> str:
    blocks = re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    return next(block for block in blocks if containing in block)
