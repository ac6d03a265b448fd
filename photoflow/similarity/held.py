"""Records held after comparison (interception on), and an admin's decision on them.

An admin either rejects the photo (驳回重拍: the student takes a new one) or submits it anyway
(仍然报送: the record is collected as it is), for chosen records or for every held record matching a
filter (batch, band, score range). Each decision is a state-machine move naming the admin, so the
event log says who let a dubious photo through and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from photoflow import idnumber
from photoflow.errors import PhotoflowError
from photoflow.photos.attempts import is_latest, latest_attempt, latest_attempts
from photoflow.reshoot.requests import ReshootReason, request_reshoot
from photoflow.similarity.stage import comparison_out
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_id
from schemas.labels import LabelledEnum
from schemas.photos import PhotoAttempt
from schemas.reasons import PhotoReason
from schemas.records import RecordEvent, StudentRecord
from schemas.reports import HeldOut, HoldDecisionReport
from schemas.reshoots import ReshootSource
from schemas.screening import FusionSuspicion
from schemas.similarity import Comparison, SimilarityBand


class HoldDecision(LabelledEnum):
    REJECT_RESHOOT = ("reject_reshoot", "驳回重拍", "Reject, reshoot")
    SUBMIT_ANYWAY = ("submit_anyway", "仍然报送", "Submit anyway")


NO_SCORE = "none"  # the band filter's value for records held without a score (no photo in the registry)


@dataclass(frozen=True, kw_only=True)
class HeldFilter:
    """Which held records a list or a bulk decision covers; unset fields do not filter."""

    batch_id: int | None = None
    band: str | None = None  # a SimilarityBand value, or NO_SCORE
    min_score: float | None = None
    max_score: float | None = None
    institution_code: str | None = None  # an institution admin's scope

    def check(self) -> None:
        choices = {band.value for band in SimilarityBand} | {NO_SCORE}
        if self.band is not None and self.band not in choices:
            raise PhotoflowError(f"band '{self.band}' is not one of: {', '.join(sorted(choices))}")
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise PhotoflowError(f"the score range {self.min_score}-{self.max_score} is empty: swap the ends")


def held_records(engine: Engine, wanted: HeldFilter) -> list[HeldOut]:
    """Held records matching the filter, lowest score first (the most doubtful on top)."""
    wanted.check()
    with session_scope(engine) as session:
        held = _held(session, wanted)
        since = dict(
            session.exec(
                select(RecordEvent.record_id, func.max(RecordEvent.at))
                .where(
                    col(RecordEvent.record_id).in_([record.id for record, _ in held]),
                    RecordEvent.to_status == RecordStatus.HELD,
                )
                .group_by(col(RecordEvent.record_id))
            ).all()
        )
        attempts = [chain[0].attempt_id for _, chain in held if chain]
        fusion = {
            suspicion.record_id: "; ".join(finding["detail"] for finding in suspicion.findings)
            for suspicion in session.exec(
                select(FusionSuspicion).where(
                    col(FusionSuspicion.attempt_id).in_(attempts), col(FusionSuspicion.flagged).is_(True)
                )
            )
        }
        found = [
            _held_out(record, chain, since.get(stored_id(record)), fusion.get(stored_id(record)))
            for record, chain in held
        ]
    return sorted(found, key=lambda item: (item.score is not None, item.score or 0.0, item.record_id))


def decide_held(
    engine: Engine,
    decision: HoldDecision,
    *,
    actor: str,
    id_numbers: Sequence[str] = (),
    record_ids: Sequence[int] = (),
    wanted: HeldFilter | None = None,
    institution_code: str | None = None,
    note: str = "",
    flow_run_id: str | None = None,
) -> HoldDecisionReport:
    """Apply one decision to the named records (by ID number or record id), or to every held record
    the filter matches; `institution_code` keeps an institution admin to their own records.

    A named record that is not held (already decided by someone else, or never held) is skipped
    and reported, not an error: two admins working the same list must not undo each other.
    """
    if sum((bool(id_numbers), bool(record_ids), wanted is not None)) != 1:
        raise PhotoflowError("name the records by ID number, or give a filter (at least a batch), not both")
    if wanted is not None:
        wanted.check()
        if wanted.batch_id is None:
            raise PhotoflowError("a bulk decision needs --batch, so that it never reaches other batches")
    skipped: list[str] = []
    decided: list[int] = []
    with session_scope(engine) as session:
        if wanted is not None:
            records = [record for record, _ in _held(session, wanted, lock=True)]
        elif record_ids:
            records = _by_id(session, record_ids, skipped)
        else:
            records = _named(session, id_numbers, skipped)
        for record in records:
            assert record.id is not None  # read from the database
            if institution_code is not None and record.institution_code != institution_code:
                skipped.append(f"{idnumber.mask(record.id_number)}: not a student of your institution")
                continue
            if record.status != RecordStatus.HELD:
                skipped.append(f"{idnumber.mask(record.id_number)}: {record.status.label}, not held")
                continue
            reason = f"{decision.label}" + (f": {note.strip()}" if note.strip() else "")
            if decision == HoldDecision.REJECT_RESHOOT:
                told = [ReshootReason.of_photo(PhotoReason.NOT_SAME_PERSON)]
                told += [ReshootReason.note(note.strip())] if note.strip() else []
                request_reshoot(
                    session,
                    record,
                    source=ReshootSource.HELD,
                    reasons=told,
                    actor=actor,
                    attempt=latest_attempt(session, record.id),
                    reason=reason,
                    flow_run_id=flow_run_id,
                )
            else:
                transition(
                    session,
                    record,
                    RecordStatus.COLLECTED,
                    actor=actor,
                    reason=reason,
                    flow_run_id=flow_run_id,
                )
            decided.append(record.id)
    return HoldDecisionReport(
        decision=decision.value,
        decision_label=decision.label,
        decided=len(decided),
        skipped=skipped,
        records=decided,
    )


def _by_id(session: Session, record_ids: Sequence[int], skipped: list[str]) -> list[StudentRecord]:
    records = session.exec(
        select(StudentRecord).where(col(StudentRecord.id).in_(record_ids)).with_for_update()
    ).all()
    missing = set(record_ids) - {record.id for record in records}
    skipped += [f"record {record_id}: no such student" for record_id in sorted(missing)]
    return sorted(records, key=stored_id)


def _named(session: Session, id_numbers: Sequence[str], skipped: list[str]) -> list[StudentRecord]:
    records: list[StudentRecord] = []
    for raw in id_numbers:
        wanted = idnumber.normalise(raw)
        found = session.exec(
            select(StudentRecord).where(StudentRecord.id_number == wanted).with_for_update()
        ).all()
        held = [record for record in found if record.status == RecordStatus.HELD]
        if not found:
            skipped.append(f"{idnumber.mask(wanted)}: no such student")
        records += held or found[:1]
    return records


def _held(
    session: Session, wanted: HeldFilter, *, lock: bool = False
) -> list[tuple[StudentRecord, list[Comparison]]]:
    """Held records of the filter with the comparisons of their latest attempt, in order."""
    statement = select(StudentRecord).where(StudentRecord.status == RecordStatus.HELD)
    if wanted.batch_id is not None:
        statement = statement.where(StudentRecord.batch_id == wanted.batch_id)
    if wanted.institution_code is not None:
        statement = statement.where(StudentRecord.institution_code == wanted.institution_code)
    if lock:
        statement = statement.with_for_update()
    records = session.exec(statement.order_by(col(StudentRecord.id))).all()
    chains = _latest_comparisons(session, [stored_id(record) for record in records])
    return [
        (record, chains.get(stored_id(record), []))
        for record in records
        if _matches(_deciding(chains.get(stored_id(record), [])), wanted)
    ]


def _latest_comparisons(session: Session, record_ids: list[int]) -> dict[int, list[Comparison]]:
    if not record_ids:
        return {}
    latest = latest_attempts(record_ids)
    rows = session.exec(
        select(Comparison)
        .join(PhotoAttempt, col(PhotoAttempt.id) == Comparison.attempt_id)
        .join(latest, is_latest(latest))
        .order_by(col(Comparison.id))
    ).all()
    chains: dict[int, list[Comparison]] = {}
    for comparison in rows:
        chains.setdefault(comparison.record_id, []).append(comparison)
    return chains


def _deciding(chain: list[Comparison]) -> Comparison | None:
    """The comparison that held the record: the first one that was not 'same person'."""
    return next((c for c in chain if c.band != SimilarityBand.SAME), None)


def _matches(deciding: Comparison | None, wanted: HeldFilter) -> bool:
    band = deciding.band.value if deciding is not None and deciding.band is not None else NO_SCORE
    if wanted.band is not None and band != wanted.band:
        return False
    score = deciding.score if deciding is not None else None
    if wanted.min_score is not None and (score is None or score < wanted.min_score):
        return False
    return not (wanted.max_score is not None and (score is None or score > wanted.max_score))


def _held_out(
    record: StudentRecord, chain: list[Comparison], since: datetime | None, fusion: str | None
) -> HeldOut:
    deciding = _deciding(chain)
    return HeldOut(
        record_id=stored_id(record),
        batch_id=record.batch_id,
        id_number=idnumber.mask(record.id_number),
        attempt_id=chain[0].attempt_id if chain else None,
        name=record.name,
        comparisons=[comparison_out(c) for c in chain],
        score=deciding.score if deciding else None,
        band=deciding.band.value if deciding and deciding.band else None,
        held_since=since.strftime("%Y-%m-%d %H:%M") if since else "",
        fusion_suspected=fusion,
    )
