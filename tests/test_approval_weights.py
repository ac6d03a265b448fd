"""The combined score (the patent's formula and its general form) and weights learnt from human decisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select

from photoflow.auto_approval.formula import combine, weights_from_rates
from photoflow.auto_approval.quality_score import margin, quality_score
from photoflow.auto_approval.report import approval_report
from photoflow.auto_approval.weights import current_weights, recompute_weights
from photoflow.manual_review.decisions import AUTO_APPROVER
from schemas.db import session_scope
from schemas.manual_review import ManualDecision, ManualReview
from schemas.records import StudentRecord
from schemas.screening import ApprovalInterface as I
from schemas.screening import Screening, ScreeningOutcome
from tests.review_helpers import manual_queue


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
            session.add(Screening(attempt_id=review.attempt_id, record_id=record.id, batch_id=record.batch_id,
                                  scores={k.value: v for k, v in scores(review.attempt_id).items()},
                                  outcome=ScreeningOutcome.TO_REVIEWER, complete=True,
                                  tamper={"score": 0.0, "flagged": False}, screened_by="test"))  # fmt: skip


def _decide_all(engine, approved) -> None:
    with session_scope(engine) as session:
        for review in session.exec(select(ManualReview)):
            review.decision = (
                ManualDecision.APPROVED if approved(review.attempt_id) else ManualDecision.REJECTED
            )
            review.decided_by = "alice"
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
            review.decision, review.decided_by = ManualDecision.APPROVED, AUTO_APPROVER
            session.add(review)

    weights = recompute_weights(engine, settings, actor="ops")

    assert weights.decided == 0
    assert weights.rates["quality"] == {"rate": 0.5, "agreed": 0, "total": 0}
    assert current_weights(engine, settings) is None  # 0 of the 10 decisions needed
