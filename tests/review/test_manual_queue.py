"""The manual queue: claims under expiring leases, decisions through the state machine, and counts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from photoflow.manual_review.decisions import DecisionRefused, approve, decide
from photoflow.manual_review.queue import claim, held_by, queue_counts, release
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.manual_review import ManualDecision, ManualReview
from schemas.reasons import ManualRejectReason
from schemas.records import RecordEvent, StudentRecord
from tests.review_helpers import alice_rejects, manual_queue

LEASE = timedelta(minutes=15)


def record_of(engine, review_id):
    with session_scope(engine) as session:
        review = session.get(ManualReview, review_id)
        return session.get(StudentRecord, review.record_id)


def test_claims_hand_out_the_oldest_photos_and_never_the_same_photo_twice(
    engine, settings, contract, tmp_path
):
    queue = manual_queue(engine, settings, tmp_path, 7)

    alice = claim(engine, reviewer="alice", limit=3, lease=LEASE)
    bob = claim(engine, reviewer="bob", limit=3, lease=LEASE)
    alice_again = claim(engine, reviewer="alice", limit=3, lease=LEASE)

    assert alice == queue[:3] and bob == queue[3:6]
    assert alice_again == alice  # what she holds counts towards her limit: nothing new
    assert held_by(engine, "bob") == bob
    with session_scope(engine) as session:
        holders = dict(session.exec(select(ManualReview.id, ManualReview.holder)).all())
    assert [holders[i] for i in queue] == ["alice"] * 3 + ["bob"] * 3 + [None]


def test_an_expired_lease_goes_to_the_next_reviewer_and_the_first_can_no_longer_decide(
    engine, settings, contract, tmp_path
):
    queue = manual_queue(engine, settings, tmp_path, 2)
    start = utcnow()
    claim(engine, reviewer="alice", limit=2, lease=LEASE, now=start)

    assert claim(engine, reviewer="bob", limit=2, lease=LEASE, now=start + timedelta(minutes=5)) == []
    later = start + LEASE + timedelta(seconds=1)
    assert claim(engine, reviewer="bob", limit=1, lease=LEASE, now=later) == [queue[0]]

    with pytest.raises(DecisionRefused, match="not held by you"):
        decide(engine, queue[0], reviewer="alice", decision=ManualDecision.APPROVED)
    # her other photo expired too, but nobody took it: she may still decide it
    assert (
        decide(engine, queue[1], reviewer="alice", decision=ManualDecision.APPROVED) == RecordStatus.COLLECTED
    )
    assert (
        decide(engine, queue[0], reviewer="bob", decision=ManualDecision.APPROVED) == RecordStatus.COLLECTED
    )


def test_approval_moves_the_record_on_with_the_reviewer_as_actor(engine, settings, contract, tmp_path):
    [review_id] = manual_queue(engine, settings, tmp_path, 1)
    claim(engine, reviewer="alice", limit=5, lease=LEASE)

    status = decide(engine, review_id, reviewer="alice", decision=ManualDecision.APPROVED)

    assert status == RecordStatus.COLLECTED == record_of(engine, review_id).status
    with session_scope(engine) as session:
        review = session.get(ManualReview, review_id)
        event = session.exec(select(RecordEvent).order_by(col(RecordEvent.id).desc())).first()
    assert (review.decision, review.decided_by, review.lease_expires_at) == (
        ManualDecision.APPROVED,
        "alice",
        None,
    )
    assert (event.from_status, event.to_status, event.actor) == (
        RecordStatus.IN_MANUAL_REVIEW,
        RecordStatus.COLLECTED,
        "alice",
    )
    with pytest.raises(DecisionRefused, match="already decided"):
        alice_rejects(engine, review_id, ManualRejectReason.LIGHTING)


def test_a_rejection_needs_reasons_and_sends_the_student_back_for_a_new_photo(
    engine, settings, contract, tmp_path
):
    [review_id] = manual_queue(engine, settings, tmp_path, 1)
    claim(engine, reviewer="alice", limit=5, lease=LEASE)

    with pytest.raises(DecisionRefused, match="at least one reason"):
        decide(engine, review_id, reviewer="alice", decision=ManualDecision.REJECTED)
    with pytest.raises(DecisionRefused, match="needs a note"):
        alice_rejects(engine, review_id, ManualRejectReason.OTHER)
    assert record_of(engine, review_id).status == RecordStatus.IN_MANUAL_REVIEW

    reasons = [ManualRejectReason.SHADOW, ManualRejectReason.OTHER]
    status = alice_rejects(engine, review_id, *reasons, note="hat brim")

    assert status == RecordStatus.RESHOOT_REQUESTED
    with session_scope(engine) as session:
        events = session.exec(
            select(RecordEvent).where(RecordEvent.actor == "alice").order_by(RecordEvent.id)
        ).all()
        review = session.get(ManualReview, review_id)
    assert [e.to_status for e in events] == [RecordStatus.MANUAL_REJECTED, RecordStatus.RESHOOT_REQUESTED]
    assert "Shadow on the face" in events[0].reason and "hat brim" in events[0].reason
    assert review.reasons == ["shadow", "other"] and review.note == "hat brim"


def test_the_ops_override_approves_held_photos_and_closes_their_queue_rows(
    engine, settings, contract, tmp_path
):
    queue = manual_queue(engine, settings, tmp_path, 3)
    claim(engine, reviewer="alice", limit=1, lease=LEASE)
    batch_id = record_of(engine, queue[0]).batch_id

    approved, skipped = approve(engine, batch_id, actor="ops-lead", everyone=True)

    assert (approved, skipped) == (3, [])
    assert claim(engine, reviewer="bob", limit=5, lease=LEASE) == []
    with pytest.raises(DecisionRefused, match="already decided"):
        decide(engine, queue[0], reviewer="alice", decision=ManualDecision.APPROVED)


def test_release_gives_photos_back_and_counts_show_holders_and_age(engine, settings, contract, tmp_path):
    queue = manual_queue(engine, settings, tmp_path, 6)
    now = utcnow()
    with session_scope(engine) as session:  # two photos entered 2 days ago, one 4 days ago
        for review_id, days in ((queue[0], 4), (queue[1], 2), (queue[2], 2)):
            session.execute(
                update(ManualReview)
                .where(ManualReview.id == review_id)
                .values(entered_at=now - timedelta(days=days))
            )
    claim(engine, reviewer="alice", limit=2, lease=LEASE)
    claim(engine, reviewer="bob", limit=1, lease=LEASE)
    decide(engine, queue[0], reviewer="alice", decision=ManualDecision.APPROVED)

    counts = queue_counts(engine, settings, reviewer="alice")

    assert counts.model_dump() == {
        "waiting": 3,
        "held_by_me": 1,
        "held_by_others": 1,
        "on_time": 3,
        "due": 2,
        "overdue": 0,
        "decided_by_me_today": 1,
    }
    assert release(engine, reviewer="alice") == 1
    assert queue_counts(engine, settings, reviewer="alice").waiting == 4


@pytest.mark.parametrize("reviewers, photos", [(10, 500)])
def test_ten_reviewers_working_one_queue_at_once_decide_every_photo_exactly_once(
    engine, settings, contract, tmp_path, reviewers, photos
):
    queue = manual_queue(engine, settings, tmp_path, photos)
    start = threading.Barrier(reviewers)
    decided: dict[str, list[int]] = {f"reviewer-{n}": [] for n in range(reviewers)}
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            start.wait()
            while held := claim(engine, reviewer=name, limit=10, lease=LEASE):
                for review_id in held:
                    verdict = ManualDecision.APPROVED if review_id % 3 else ManualDecision.REJECTED
                    decide(
                        engine,
                        review_id,
                        reviewer=name,
                        decision=verdict,
                        reasons=[ManualRejectReason.CLARITY] if review_id % 3 == 0 else (),
                    )
                    decided[name].append(review_id)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in decided]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    everything = [review_id for ids in decided.values() for review_id in ids]
    assert sorted(everything) == sorted(queue)  # each photo decided once, by one reviewer
    assert sum(1 for ids in decided.values() if ids) > 1  # the work really was shared
    with session_scope(engine) as session:
        reviews = session.exec(select(ManualReview)).all()
        moves = Counter(
            session.exec(
                select(RecordEvent.record_id).where(RecordEvent.from_status == RecordStatus.IN_MANUAL_REVIEW)
            ).all()
        )
    assert all(review.decision is not None for review in reviews)
    assert {review.decided_by for review in reviews} <= set(decided)
    assert len(moves) == photos and set(moves.values()) == {1}  # one move out of manual review per record
