"""Stage 3 for a batch: compare each record's photo with its references and move the record on.

Order (the platform's): the ID-registry comparison first; only "same person" goes on to the
enrollment-photo comparison. The contract says which comparisons run and whether dubious results are
held for an admin (interception) or go on whatever their score. A comparison is stored once per
attempt and kind, embeddings once per image, so a rerun after a crash redoes nothing it finished; a
record whose reference is not there yet (no enrollment photo, registry unavailable) stays in
comparison and is picked up by a later run.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from photoflow import idnumber, storage
from photoflow.photos.attempts import is_latest, latest_attempts
from photoflow.settings import Settings
from photoflow.similarity.embedding import FaceModel, face_model
from photoflow.similarity.embedding_store import ensure_embeddings
from photoflow.similarity.fusion import FusionRules, check_fusion, load_fusion_rules
from photoflow.similarity.id_registry import (
    RegistryNotFound,
    RegistryPhoto,
    RegistryPhotoSource,
    RegistryUnavailableError,
    open_registry_source,
)
from photoflow.similarity.identities import BatchIdentities, batch_reference_images
from photoflow.similarity.references import keep_reference
from photoflow.similarity.scoring import Calibration, load_calibration
from photoflow.similarity.vectors import score_pair
from photoflow.state import transition
from photoflow.workers import chunks
from schemas.batches import Batch
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.ids import stored_ids
from schemas.institutions import Contract
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import StudentRecord
from schemas.reports import ComparedRecord, ComparisonOut
from schemas.screening import FusionSuspicion
from schemas.similarity import (
    Comparison,
    ComparisonKind,
    ComparisonOutcome,
    ComparisonWait,
    ReferencePhoto,
    SimilarityBand,
)

log = logging.getLogger(__name__)

REGISTRY_THREADS = 8  # lookups wait on the network, not the CPU
STORE_EVERY = 50


@dataclass
class Pending:
    """One record in comparison, with everything the decision needs read up front."""

    record_id: int
    attempt_id: int
    kinds: tuple[ComparisonKind, ...]  # what the contract asks for, in order
    interception: bool
    id_number: str
    photo_sha: str | None  # of the spec image; None when the file is missing
    photo_path: Path | None
    done: dict[ComparisonKind, Comparison] = field(default_factory=dict)
    references: dict[ComparisonKind, ReferencePhoto] = field(default_factory=dict)
    registry_not_found: bool = False
    waiting: ComparisonWait | None = None


def comparing_records(engine: Engine, batch_id: int) -> list[int]:
    """The batch's records waiting in comparison, oldest first."""
    with session_scope(engine) as session:
        return stored_ids(
            session.exec(
                select(col(StudentRecord.id))
                .where(StudentRecord.batch_id == batch_id, StudentRecord.status == RecordStatus.COMPARING)
                .order_by(col(StudentRecord.id))
            ).all()
        )


def compare_records(
    engine: Engine, settings: Settings, record_ids: list[int], *, actor: str, flow_run_id: str | None = None
) -> list[ComparedRecord]:
    """Run the comparisons the contract asks for on these records and move those that are finished."""
    calibration, model, pending = _prepare(engine, settings, record_ids, actor, RecordStatus.COMPARING)
    references = batch_reference_images(engine, settings, [item.record_id for item in pending])
    images = _images_to_embed(settings, pending) | {sha: path for _, sha, path in references}
    images |= {
        item.photo_sha: item.photo_path
        for item in pending
        if item.photo_sha and item.photo_path and item.kinds
    }  # fusion
    vectors = ensure_embeddings(engine, settings, images)
    faces = BatchIdentities.of([(record_id, sha) for record_id, sha, _ in references], vectors)
    fusion = FusionContext(faces, load_fusion_rules(), calibration, model)
    outcomes: list[ComparedRecord] = []
    for group in chunks(pending, STORE_EVERY):
        with session_scope(engine) as session:
            for item in group:
                outcome = _decide(session, item, vectors, fusion, actor, flow_run_id)
                if outcome is not None:
                    outcomes.append(outcome)
    return outcomes


@dataclass(frozen=True)
class EarlyComparison:
    """A queued photo's comparisons so far; `waiting` set when a reference is not there yet."""

    attempt_id: int
    compares: bool  # the contract asks for at least one comparison
    chain: list[Comparison]
    waiting: ComparisonWait | None


def compare_before_review(
    engine: Engine, settings: Settings, record_ids: list[int], *, actor: str, flow_run_id: str | None = None
) -> dict[int, EarlyComparison]:
    """Compare photos still in the manual queue, for screening; stores the comparisons, moves nothing.

    Stage 3 later finds them stored (one per attempt and kind) and only decides, so a photo is
    compared once whether or not it was screened first.
    """
    queued = RecordStatus.IN_MANUAL_REVIEW
    calibration, model, pending = _prepare(engine, settings, record_ids, actor, queued)
    vectors = ensure_embeddings(engine, settings, _images_to_embed(settings, pending))
    early: dict[int, EarlyComparison] = {}
    with session_scope(engine) as session:
        for item in pending:
            chain = compare_in_order(session, item, vectors, calibration, model, actor, flow_run_id)
            early[item.record_id] = EarlyComparison(item.attempt_id, bool(item.kinds), chain, item.waiting)
    return early


def _prepare(
    engine: Engine, settings: Settings, record_ids: list[int], actor: str, waiting_in: RecordStatus
) -> tuple[Calibration, FaceModel, list[Pending]]:
    """The calibration and model (a model without a calibration is refused before any work), and the
    records still in `waiting_in` with their comparisons so far and any registry photo now fetched."""
    calibration = load_calibration()
    model = face_model(settings.face_model)
    calibration.for_model(model.name)
    pending = _read_pending(engine, settings, record_ids, waiting_in)
    _fetch_registry_photos(engine, settings, pending, actor)
    return calibration, model, pending


def _read_pending(
    engine: Engine, settings: Settings, record_ids: list[int], waiting_in: RecordStatus
) -> list[Pending]:
    latest = latest_attempts(record_ids)
    statement = (
        select(StudentRecord, PhotoAttempt, AutoReview, Contract)
        .join(PhotoAttempt, col(PhotoAttempt.record_id) == StudentRecord.id)
        .join(latest, is_latest(latest))
        .outerjoin(AutoReview, col(AutoReview.attempt_id) == PhotoAttempt.id)
        .join(Batch, col(Batch.id) == StudentRecord.batch_id)
        .join(
            Contract,
            (col(Contract.institution_code) == Batch.institution_code)
            & (col(Contract.category) == Batch.category),
        )
        .where(StudentRecord.status == waiting_in)
        .order_by(col(StudentRecord.id))
    )
    with session_scope(engine) as session:
        rows = session.exec(statement).all()
        pending = [
            _pending(settings, record, attempt, review, contract)
            for record, attempt, review, contract in rows
        ]
        by_attempt = {item.attempt_id: item for item in pending}
        by_record = {item.record_id: item for item in pending}
        for comparison in session.exec(select(Comparison).where(col(Comparison.attempt_id).in_(by_attempt))):
            by_attempt[comparison.attempt_id].done[comparison.kind] = comparison
        for reference in session.exec(
            select(ReferencePhoto).where(col(ReferencePhoto.record_id).in_(by_record))
        ):
            by_record[reference.record_id].references[reference.kind] = reference
    return pending


def _pending(
    settings: Settings,
    record: StudentRecord,
    attempt: PhotoAttempt,
    review: AutoReview | None,
    contract: Contract,
) -> Pending:
    kinds = tuple(
        kind
        for kind, wanted in (
            (ComparisonKind.ID_REGISTRY, contract.id_registry_comparison),
            (ComparisonKind.ENROLLMENT, contract.enrollment_comparison),
        )
        if wanted
    )
    path = (
        storage.absolute(settings.data_dir, review.spec_image_path)
        if review and review.spec_image_path
        else None
    )
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None
    assert record.id is not None and attempt.id is not None  # rows read from the database
    return Pending(
        record_id=record.id,
        attempt_id=attempt.id,
        kinds=kinds,
        interception=contract.interception,
        id_number=record.id_number,
        photo_sha=sha,
        photo_path=path if sha else None,
    )


def _needs_registry_photo(item: Pending) -> bool:
    return (
        ComparisonKind.ID_REGISTRY in item.kinds
        and ComparisonKind.ID_REGISTRY not in item.done
        and ComparisonKind.ID_REGISTRY not in item.references
    )


def _fetch_registry_photos(engine: Engine, settings: Settings, pending: list[Pending], actor: str) -> None:
    """Ask the registry for the photos not cached yet; keep what it has, note what it has not."""
    wanted = [item for item in pending if _needs_registry_photo(item)]
    if not wanted:
        return
    source = open_registry_source(settings)
    if source is None:
        for item in wanted:
            item.waiting = ComparisonWait.REGISTRY_NOT_CONFIGURED
        return
    with source, ThreadPoolExecutor(max_workers=REGISTRY_THREADS) as threads:
        answers = list(threads.map(lambda item: _lookup(source, item.id_number), wanted))
    with session_scope(engine) as session:
        for item, answer in zip(wanted, answers, strict=True):
            if isinstance(answer, RegistryPhoto):
                reference, _ = keep_reference(
                    session,
                    settings.data_dir,
                    record_id=item.record_id,
                    kind=ComparisonKind.ID_REGISTRY,
                    data=answer.data,
                    source=answer.source,
                    actor=actor,
                )
                item.references[ComparisonKind.ID_REGISTRY] = reference
            elif isinstance(answer, RegistryNotFound):
                item.registry_not_found = True
            else:
                item.waiting = ComparisonWait.REGISTRY_UNAVAILABLE
    unavailable = sum(item.waiting == ComparisonWait.REGISTRY_UNAVAILABLE for item in wanted)
    if unavailable:
        log.warning(
            "ID registry %s unavailable for %d records; they wait for the next run",
            source.describe(),
            unavailable,
        )


def _lookup(source: RegistryPhotoSource, id_number: str) -> RegistryPhoto | RegistryNotFound | None:
    try:
        return source.fetch(id_number)
    except RegistryUnavailableError as error:
        log.info("ID registry lookup for %s failed: %s", idnumber.mask(id_number), error)
        return None


def _images_to_embed(settings: Settings, pending: list[Pending]) -> dict[str, Path]:
    images: dict[str, Path] = {}
    for item in pending:
        if item.photo_sha is None or item.photo_path is None or item.waiting is not None:
            continue
        missing = [kind for kind in item.kinds if kind not in item.done]
        if not missing:
            continue
        images[item.photo_sha] = item.photo_path
        for kind in missing:
            reference = item.references.get(kind)
            if reference is not None:
                images[reference.sha256] = storage.absolute(settings.data_dir, reference.path)
    return images


@dataclass(frozen=True)
class FusionContext:
    """What the face-fusion check of a run needs: the batch's faces and the rules."""

    identities: BatchIdentities
    rules: FusionRules
    calibration: Calibration
    model: FaceModel


def _decide(
    session: Session,
    item: Pending,
    vectors: dict[str, np.ndarray | None],
    fusion: FusionContext,
    actor: str,
    flow_run_id: str | None,
) -> ComparedRecord | None:
    """Finish the record's comparisons in order and move it; None when someone else moved it first."""
    record = session.get(StudentRecord, item.record_id, with_for_update=True)
    if record is None or record.status != RecordStatus.COMPARING:
        return None
    chain = compare_in_order(session, item, vectors, fusion.calibration, fusion.model, actor, flow_run_id)
    if item.waiting is None:
        suspicion = _fusion_check(session, item, vectors, fusion, flow_run_id)
        _move(session, record, chain, item.interception, actor, flow_run_id, suspicion)
    return ComparedRecord(
        record_id=item.record_id,
        id_number=idnumber.mask(record.id_number),
        name=record.name,
        status=record.status.value,
        comparisons=[comparison_out(c) for c in chain],
        waiting=item.waiting.value if item.waiting and record.status == RecordStatus.COMPARING else None,
    )


def compare_in_order(
    session: Session,
    item: Pending,
    vectors: dict[str, np.ndarray | None],
    calibration: Calibration,
    model: FaceModel,
    actor: str,
    flow_run_id: str | None,
) -> list[Comparison]:
    """The attempt's comparisons in the contract's order, new ones added to the session.

    Stops at the first comparison that is not "same person", or at a missing reference (then
    `item.waiting` says why and the chain is unfinished).
    """
    chain: list[Comparison] = []
    for kind in item.kinds:
        comparison = item.done.get(kind)
        if comparison is None:
            comparison = _compare(item, kind, vectors, calibration, model, actor, flow_run_id)
            if comparison is None:
                break
            session.add(comparison)
            item.done[kind] = comparison
        chain.append(comparison)
        if comparison.band != SimilarityBand.SAME:
            break  # only "same person" goes on to the next comparison
    return chain


def _compare(
    item: Pending,
    kind: ComparisonKind,
    vectors: dict[str, np.ndarray | None],
    calibration: Calibration,
    model: FaceModel,
    actor: str,
    flow_run_id: str | None,
) -> Comparison | None:
    """A new comparison of the attempt's photo with the reference of `kind`, or None to wait."""
    if item.photo_sha is None:
        item.waiting = ComparisonWait.SPEC_IMAGE_MISSING
        return None
    reference = item.references.get(kind)
    made: dict[str, Any] = dict(
        record_id=item.record_id,
        attempt_id=item.attempt_id,
        kind=kind,
        model=model.name,
        model_version=model.version,
        compared_by=actor,
        flow_run_id=flow_run_id,
    )
    if kind == ComparisonKind.ID_REGISTRY and item.registry_not_found:
        return Comparison(outcome=ComparisonOutcome.REFERENCE_NOT_FOUND, **made)
    if reference is None:
        if item.waiting is None:
            item.waiting = ComparisonWait.ENROLLMENT_PHOTO_MISSING
        return None
    photo, other = vectors.get(item.photo_sha), vectors.get(reference.sha256)
    made["reference_sha256"] = reference.sha256
    if photo is None:
        return Comparison(outcome=ComparisonOutcome.NO_FACE_IN_PHOTO, **made)
    if other is None:
        return Comparison(outcome=ComparisonOutcome.NO_FACE_IN_REFERENCE, **made)
    scored = score_pair(photo, other, model.name, calibration)
    return Comparison(
        outcome=ComparisonOutcome.SCORED,
        distance=scored.distance,
        score=scored.score,
        band=scored.band,
        **made,
    )


def _fusion_check(
    session: Session,
    item: Pending,
    vectors: dict[str, np.ndarray | None],
    fusion: FusionContext,
    flow_run_id: str | None,
) -> FusionSuspicion | None:
    """The attempt's face-fusion check, made once and stored; None when there is nothing to check."""
    known = session.exec(select(FusionSuspicion).where(FusionSuspicion.attempt_id == item.attempt_id)).first()
    if known is not None:
        return known
    photo = vectors.get(item.photo_sha) if item.photo_sha else None
    if photo is None or not item.kinds:
        return None
    references = {
        kind: vector
        for kind, reference in item.references.items()
        if (vector := vectors.get(reference.sha256)) is not None
    }
    others = fusion.identities.others_than(item.record_id)
    check = check_fusion(
        photo, references, others, model=fusion.model.name, calibration=fusion.calibration, rules=fusion.rules
    )
    found = check.as_dict()
    suspicion = FusionSuspicion(
        attempt_id=item.attempt_id,
        record_id=item.record_id,
        flagged=check.flagged,
        findings=found["findings"],
        nearest_other_record=check.nearest_other_record,
        nearest_other_score=check.nearest_other_score,
        flow_run_id=flow_run_id,
    )
    session.add(suspicion)
    return suspicion


def _move(
    session: Session,
    record: StudentRecord,
    chain: list[Comparison],
    interception: bool,
    actor: str,
    flow_run_id: str | None,
    suspicion: FusionSuspicion | None = None,
) -> None:
    """Fusion suspected: held whatever the scores. All the same person: collected. Otherwise held when
    interception is on, collected when it is off.

    A suspected fusion is held even with interception off: interception lets dubious *scores* through
    by the institution's choice; a photo built to beat the comparison is fraud, not a dubious score.
    """
    summary = "; ".join(describe(c) for c in chain) or "no comparison in the contract"
    moves: dict[str, Any] = dict(actor=actor, flow_run_id=flow_run_id)
    if suspicion is not None and suspicion.flagged:
        why = "; ".join(f["detail"] for f in suspicion.findings)
        reason = f"held for an admin: face fusion suspected ({why}); {summary}"
        transition(session, record, RecordStatus.HELD, reason=reason, **moves)
    elif all(c.band == SimilarityBand.SAME for c in chain):
        transition(session, record, RecordStatus.COLLECTED, reason=f"comparisons passed: {summary}", **moves)
    elif interception:
        transition(session, record, RecordStatus.HELD, reason=f"held for an admin: {summary}", **moves)
    else:
        transition(
            session,
            record,
            RecordStatus.COLLECTED,
            reason=f"interception off, goes on: {summary}",
            **moves,
        )


def describe(comparison: Comparison) -> str:
    """E.g. '人证比对 / ID-registry comparison: 72.4, 可能同一人 / Possibly the same person'."""
    if comparison.outcome != ComparisonOutcome.SCORED:
        return f"{comparison.kind.label}: {comparison.outcome.label}"
    assert comparison.band is not None  # a scored comparison has its band
    return f"{comparison.kind.label}: {comparison.score:.1f}, {comparison.band.label}"


def comparison_out(comparison: Comparison) -> ComparisonOut:
    band = comparison.band
    return ComparisonOut(
        kind=comparison.kind.value,
        kind_label=comparison.kind.label,
        outcome=comparison.outcome.value,
        outcome_label=comparison.outcome.label,
        score=comparison.score,
        band=band.value if band else None,
        band_label=band.label if band else None,
    )
