"""The reviewer's queue: claim photos under a lease, look at one, approve or reject it, move on."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from photoflow.manual_review.decisions import DecisionRefused, decide
from photoflow.manual_review.items import review_item
from photoflow.manual_review.queue import claim, queue_counts, release
from photoflow.web.deps import EngineDep, ReviewerDep, SettingsDep
from photoflow.web.flash import flash, take_flash
from photoflow.web.rendering import render
from photoflow.web.security import require_csrf
from schemas.manual_review import ManualDecision
from schemas.reasons import ManualRejectReason

router = APIRouter()

# the keys the page's shortcuts use for the reasons, in order (shown next to each reason)
REASON_KEYS = dict(zip(ManualRejectReason, "123456", strict=True))


@router.get("/review")
def review_page(
    request: Request, engine: EngineDep, settings: SettingsDep, user: ReviewerDep, item: int | None = None
) -> Response:
    held = claim(
        engine,
        reviewer=user.name,
        limit=settings.review_claim_size,
        lease=timedelta(minutes=settings.review_lease_minutes),
    )
    counts = queue_counts(engine, settings, reviewer=user.name)
    message = take_flash(request)
    if not held:
        return render(request, "review_empty.html", user=user, counts=counts, flash=message)
    current = item if item in held else held[0]
    position = held.index(current)
    return render(
        request,
        "review.html",
        user=user,
        counts=counts,
        flash=message,
        item=review_item(engine, settings, current),
        held=held,
        position=position,
        previous=held[position - 1] if position > 0 else None,
        next=held[position + 1] if position + 1 < len(held) else None,
        reasons=list(ManualRejectReason),
        reason_keys=REASON_KEYS,
        lease_minutes=settings.review_lease_minutes,
    )


@router.post("/review/{review_id}", dependencies=[Depends(require_csrf)])
def decide_photo(
    request: Request,
    engine: EngineDep,
    user: ReviewerDep,
    review_id: int,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reasons: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        chosen = [ManualRejectReason(code) for code in reasons or []]
    except ValueError:
        chosen = []
    verdict = ManualDecision.APPROVED if decision == "approve" else ManualDecision.REJECTED
    try:
        status = decide(
            engine,
            review_id,
            reviewer=user.name,
            decision=verdict,
            reasons=chosen if verdict == ManualDecision.REJECTED else (),
            note=note,
        )
    except DecisionRefused as refusal:
        flash(request, str(refusal), kind="error")
        return RedirectResponse(f"/review?item={review_id}", status_code=303)
    flash(request, f"photo {review_id}: {verdict.label} → {status.label}")
    return RedirectResponse("/review", status_code=303)


@router.post("/review-release", dependencies=[Depends(require_csrf)])
def stop_reviewing(request: Request, engine: EngineDep, settings: SettingsDep, user: ReviewerDep) -> Response:
    returned = release(engine, reviewer=user.name)
    counts = queue_counts(engine, settings, reviewer=user.name)
    return render(
        request,
        "review_empty.html",
        user=user,
        counts=counts,
        stopped=returned,
        flash={
            "message": f"{returned} photos returned to the queue / 已归还 {returned} 张照片",
            "kind": "info",
        },
    )
