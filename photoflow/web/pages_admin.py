"""Institution admins (and ops): held records, the interception switch, and the progress view.

An institution admin's scope is their own institution, applied in every query and every decision,
not only in what the pages link to.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow.errors import PhotoflowError
from photoflow.institution_contracts import set_interception
from photoflow.progress import ProgressFilter, progress
from photoflow.records_filter import RecordFilter
from photoflow.similarity.held import NO_SCORE, HeldFilter, HoldDecision, decide_held, held_records
from photoflow.web.deps import AdminDep, EngineDep, scope
from photoflow.web.flash import flash, take_flash
from photoflow.web.rendering import render
from photoflow.web.security import require_csrf
from schemas.batches import Batch
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.ids import stored_id
from schemas.institutions import Contract, Institution
from schemas.similarity import SimilarityBand

router = APIRouter()


def _int(text: str, field: str) -> int | None:
    """An optional whole number from a filter form (an empty box means no filter)."""
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise PhotoflowError(f"{field}: '{text[:20]}' is not a number / 请输入数字")
    return int(text)


def _status(text: str) -> RecordStatus:
    try:
        return RecordStatus(text)
    except ValueError:
        raise PhotoflowError(f"'{text[:30]}' is not a record status / 状态无效") from None


def _score(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise PhotoflowError(f"{field}: give a score from 0 to 100 / 分数应在 0-100 之间")
    return value


def _batches(engine: Engine, institution: str | None) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        statement = select(Batch, Institution).join(
            Institution, col(Institution.code) == Batch.institution_code
        )
        if institution is not None:
            statement = statement.where(Batch.institution_code == institution)
        rows = session.exec(statement.order_by(col(Batch.id))).all()
    return [
        (
            stored_id(batch),
            f"{batch.id}: {inst.name} · {batch.category.zh}"
            + (f" · {batch.learning_centre}" if batch.learning_centre else ""),
        )
        for batch, inst in rows
    ]


def _own_batch(engine: Engine, institution: str | None, batch_id: int | None) -> int | None:
    """A batch id from a form, checked against the admin's scope (an outside batch is a 404)."""
    if batch_id is None:
        return None
    with session_scope(engine) as session:
        batch = session.get(Batch, batch_id)
    if batch is None or (institution is not None and batch.institution_code != institution):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no batch {batch_id} / 批次不存在")
    return batch_id


def _held_filter(
    engine: Engine,
    institution: str | None,
    batch: int | None,
    band: str | None,
    min_score: float | None,
    max_score: float | None,
) -> HeldFilter:
    return HeldFilter(
        batch_id=_own_batch(engine, institution, batch),
        institution_code=institution,
        band=band or None,
        min_score=min_score,
        max_score=max_score,
    )


@router.get("/held")
def held_page(
    request: Request,
    engine: EngineDep,
    user: AdminDep,
    batch: str = "",
    band: str = "",
    min_score: str = "",
    max_score: str = "",
) -> Response:
    wanted = _held_filter(
        engine,
        scope(user),
        _int(batch, "batch"),
        band,
        _score(min_score, "min_score"),
        _score(max_score, "max_score"),
    )
    return render(
        request,
        "held.html",
        user=user,
        flash=take_flash(request),
        held=held_records(engine, wanted),
        wanted=wanted,
        batches=_batches(engine, scope(user)),
        bands=list(SimilarityBand),
        no_score=NO_SCORE,
        decisions=list(HoldDecision),
    )


@router.post("/held/decide", dependencies=[Depends(require_csrf)])
def decide_selected(
    request: Request,
    engine: EngineDep,
    user: AdminDep,
    decision: Annotated[HoldDecision, Form()],
    records: Annotated[list[int] | None, Form()] = None,
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    if not records:
        flash(request, "tick at least one record first / 请先勾选记录", kind="error")
        return RedirectResponse("/held", status_code=303)
    report = decide_held(
        engine, decision, actor=user.name, record_ids=records, institution_code=scope(user), note=note
    )
    flash(request, _summary(report.decided, decision, report.skipped))
    return RedirectResponse(_back_to_held(request), status_code=303)


@router.post("/held/decide-all", dependencies=[Depends(require_csrf)])
def decide_by_filter(
    request: Request,
    engine: EngineDep,
    user: AdminDep,
    decision: Annotated[HoldDecision, Form()],
    batch: Annotated[int, Form()],
    band: Annotated[str, Form()] = "",
    min_score: Annotated[str, Form()] = "",
    max_score: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    wanted = _held_filter(
        engine, scope(user), batch, band, _score(min_score, "min_score"), _score(max_score, "max_score")
    )
    report = decide_held(
        engine, decision, actor=user.name, wanted=wanted, institution_code=scope(user), note=note
    )
    flash(request, _summary(report.decided, decision, report.skipped))
    return RedirectResponse(f"/held?batch={batch}", status_code=303)


def _back_to_held(request: Request) -> str:
    """The held list the admin was on (with its filter), taken only as a path on this site."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.path != "/held":
        return "/held"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _summary(decided: int, decision: HoldDecision, skipped: list[str]) -> str:
    text = f"{decision.label}: {decided} records / 已处理 {decided} 条"
    return text + (f"; skipped {len(skipped)}: " + "; ".join(skipped[:5]) if skipped else "")


@router.get("/interception")
def interception_page(request: Request, engine: EngineDep, user: AdminDep) -> Response:
    with session_scope(engine) as session:
        statement = select(Contract, Institution).join(Institution)
        if scope(user) is not None:
            statement = statement.where(Contract.institution_code == scope(user))
        contracts = session.exec(statement.order_by(Contract.institution_code, Contract.category)).all()
    return render(request, "interception.html", user=user, flash=take_flash(request), contracts=contracts)


@router.post("/interception", dependencies=[Depends(require_csrf)])
def switch_interception(
    request: Request,
    engine: EngineDep,
    user: AdminDep,
    institution: Annotated[str, Form(max_length=5)],
    category: Annotated[EducationCategory, Form()],
    on: Annotated[bool, Form()],
) -> Response:
    if scope(user) is not None and institution != scope(user):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not your institution / 非本院校")
    with session_scope(engine) as session:
        set_interception(session, institution, category, on)
    state = "on / 开启" if on else "off / 关闭"
    flash(request, f"interception {state}: {institution} {category.label}")
    return RedirectResponse("/interception", status_code=303)


@router.get("/progress")
def progress_page(
    request: Request,
    engine: EngineDep,
    user: AdminDep,
    batch: str = "",
    status_filter: Annotated[str | None, Query(alias="status")] = None,
    q: Annotated[str, Query(max_length=50)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    batch_id = _own_batch(engine, scope(user), _int(batch, "batch"))
    statuses = (_status(status_filter),) if status_filter else ()
    records = RecordFilter(institution_code=scope(user), batch_id=batch_id, statuses=statuses, search=q)
    view = progress(engine, ProgressFilter(records, page=page))
    shown = {"batch_id": batch_id, "status": status_filter or "", "search": q}
    return render(
        request,
        "progress.html",
        user=user,
        flash=take_flash(request),
        view=view,
        wanted=shown,
        batches=_batches(engine, scope(user)),
        statuses=list(RecordStatus),
    )
