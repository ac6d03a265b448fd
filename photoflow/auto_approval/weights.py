"""Learn each interface's success rate from past human decisions, and check auto-approval against them.

An interface's verdict on a photo is pass or fail: quality passes at a score of 50 or more (half its
margin), similarity at "same person", tamper when nothing was flagged. A human verdict is a
reviewer's decision in the queue, overturned when an admin later rejected the held photo. The
success rate is the share of an interface's verdicts the humans confirmed, with one agreeing and one
disagreeing case added (Laplace) so a short history pulls rates towards a half, not to 0 or 1.

Attempts whose id ends in the held-back share (id mod 100 below the percent) are never learnt from:
they measure how often auto-approval at the threshold would have disagreed with the humans.
Auto-approved photos are never counted: nobody confirmed them, so counting them would be circular.
Nor are photos approved by the ops override (`photoflow manual approve`): it approves what it is
given (a whole queue with --all) whether or not anyone looked, so it says nothing about an interface.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from photoflow.auto_approval.formula import combine
from photoflow.settings import Settings
from photoflow.similarity.scoring import load_calibration
from schemas.db import session_scope
from schemas.manual_review import DecisionSource, ManualDecision, ManualReview
from schemas.reshoots import ReshootRequest, ReshootSource
from schemas.screening import ApprovalInterface as I
from schemas.screening import ApprovalWeights, Screening, ScreeningNote

QUALITY_PASS = 50.0


@dataclass(frozen=True)
class Decided:
    """One screened attempt a human decided: the interfaces' scores and the humans' verdict."""

    attempt_id: int
    scores: dict[I, float]
    tamper_flagged: bool
    not_same: bool
    complete: bool
    approved: bool


def interface_passed(interface: I, decided: Decided, same_from: float) -> bool:
    if interface == I.QUALITY:
        return decided.scores[interface] >= QUALITY_PASS
    if interface == I.SIMILARITY:
        return decided.scores[interface] >= same_from
    return not decided.tamper_flagged


def human_decisions(session: Session) -> list[Decided]:
    """Screened attempts a reviewer decided in the queue (not screening, not the ops override), with an
    admin's later rejection."""
    rows = session.exec(
        select(Screening, ManualReview.decision, ReshootRequest.id)
        .join(ManualReview, col(ManualReview.attempt_id) == Screening.attempt_id)
        .outerjoin(
            ReshootRequest,
            (col(ReshootRequest.attempt_id) == Screening.attempt_id)
            & (col(ReshootRequest.source) == ReshootSource.HELD),
        )
        .where(col(ManualReview.decision).is_not(None), ManualReview.decided_via == DecisionSource.QUEUE)
        .order_by(col(Screening.attempt_id))
    ).all()
    return [
        Decided(
            attempt_id=screening.attempt_id,
            scores={I(name): value for name, value in screening.scores.items()},
            tamper_flagged=bool(screening.tamper.get("flagged")),
            not_same=ScreeningNote.NOT_SAME_PERSON.value in screening.notes,
            complete=screening.complete,
            approved=decision == ManualDecision.APPROVED and held_rejection is None,
        )
        for screening, decision, held_rejection in rows
    ]


def held_back(attempt_id: int, percent: int) -> bool:
    return attempt_id % 100 < percent


def success_rates(decided: list[Decided], same_from: float) -> dict[str, dict[str, float]]:
    rates: dict[str, dict[str, float]] = {}
    for interface in I:
        scored = [d for d in decided if interface in d.scores]
        agreed = sum(interface_passed(interface, d, same_from) == d.approved for d in scored)
        rates[interface.value] = {
            "rate": round((agreed + 1) / (len(scored) + 2), 4),
            "agreed": agreed,
            "total": len(scored),
        }
    return rates


def would_approve(decided: Decided, rates: dict[I, float], threshold: float) -> bool:
    """What screening would do with these scores and rates (a reviewer holding it aside)."""
    if not decided.complete or decided.tamper_flagged or decided.not_same:
        return False
    return combine(decided.scores, rates).score >= threshold


def rates_of(weights: ApprovalWeights) -> dict[I, float]:
    return {I(name): float(entry["rate"]) for name, entry in weights.rates.items()}


def recompute_weights(
    engine: Engine,
    settings: Settings,
    *,
    actor: str,
    threshold: float | None = None,
    flow_run_id: str | None = None,
) -> ApprovalWeights:
    """Learn the rates from the training slice, check the held-back slice, store both as one row.

    `threshold` is the one the check is made at: the configured one unless a what-if is asked for.
    """
    threshold = settings.auto_approve_threshold if threshold is None else threshold
    same_from = load_calibration().same_from
    percent = settings.approval_held_back_percent
    with session_scope(engine) as session:
        decided = human_decisions(session)
        training = [d for d in decided if not held_back(d.attempt_id, percent)]
        checked = [d for d in decided if held_back(d.attempt_id, percent)]
        weights = ApprovalWeights(
            computed_by=actor,
            flow_run_id=flow_run_id,
            decided=len(decided),
            rates=success_rates(training, same_from),
            threshold=threshold,
            held_back=len(checked),
        )
        if threshold is not None:
            learnt = rates_of(weights)
            auto = {d.attempt_id for d in checked if would_approve(d, learnt, threshold)}
            weights.held_back_auto = len(auto)
            weights.held_back_disagree = sum(not d.approved for d in checked if d.attempt_id in auto)
            weights.held_back_missed = sum(d.approved for d in checked if d.attempt_id not in auto)
        session.add(weights)
        session.flush()
        session.refresh(weights)
        session.expunge(weights)
    return weights


def latest_weights(session: Session) -> ApprovalWeights | None:
    """The newest computation, whatever history it rests on."""
    return session.exec(
        select(ApprovalWeights).order_by(
            col(ApprovalWeights.computed_at).desc(), col(ApprovalWeights.id).desc()
        )
    ).first()


def current_weights(engine: Engine, settings: Settings) -> ApprovalWeights | None:
    """The latest weights learnt from enough history; None while there is not enough yet."""
    with session_scope(engine) as session:
        latest = latest_weights(session)
        if latest is None or latest.decided < settings.approval_min_history:
            return None
        session.expunge(latest)
        return latest
