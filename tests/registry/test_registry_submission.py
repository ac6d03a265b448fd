"""Registry submission against the simulator over real HTTP: exactly once, retries, rejections, give-ups."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from photoflow.cli.registry import show_submission_report
from photoflow.errors import IllegalTransitionError
from photoflow.registry import submission_state
from photoflow.registry.client import RegistryClient
from photoflow.registry.listing import held_submissions, submission_report
from photoflow.registry.queueing import queue_collected, resubmit_unreachable
from photoflow.registry.sending import claim_lease, due_submissions, poll_accepted, send_submissions
from photoflow.sandbox.seeding import passed_attempt
from photoflow.state import transition
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.notifications import Notification
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import RecordEvent, StudentRecord
from schemas.registry_reports import SubmissionRound
from schemas.reshoots import ReshootRequest, ReshootSource
from schemas.submissions import Submission, SubmissionEvent, SubmissionState
from tests.registry_helpers import spec_sized_jpeg
from tests.review_helpers import collected


@pytest.fixture
def registry(registry_sim, settings, monkeypatch):
    """Settings pointing at the simulator, with fast retries and packages of 10."""
    for name, value in {
        "registry_url": registry_sim.url,
        "registry_package_size": 10,
        "registry_retry_s": 0.0,
        "registry_rounds": 3,
    }.items():
        monkeypatch.setattr(settings, name, value)
    return registry_sim


def submit_round(engine, settings, client: RegistryClient, batch_id: int) -> SubmissionRound:
    """What one submission run does: queue, send what is due, poll the accepted."""
    run = queue_collected(engine, settings, batch_id, actor="ops")
    run = run.add(
        send_submissions(engine, settings, client, due_submissions(engine, batch_id=batch_id), actor="ops")
    )
    return run.add(poll_accepted(engine, client, batch_id=batch_id, actor="ops"))


def statuses(engine) -> Counter:
    with session_scope(engine) as session:
        return Counter(session.exec(select(StudentRecord.status)).all())


def registered_once(engine, registry) -> None:
    """Every record registered, and the registry holding each of them exactly once."""
    with session_scope(engine) as session:
        id_numbers = session.exec(select(StudentRecord.id_number)).all()
    stats = registry.sim.stats()
    assert statuses(engine) == Counter({RecordStatus.REGISTERED: len(id_numbers)})
    assert stats["registrations_by_key"] == dict.fromkeys(id_numbers, 1)
    assert stats["registered"] == len(id_numbers)


def test_collected_records_are_registered_once_and_a_rerun_sends_nothing(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 25)
    with registry.client() as client:
        run = submit_round(engine, settings, client, batch_id)
        assert (run.queued, run.sent, run.registered) == (25, 25, 25)
        requests = registry.sim.stats()["requests"]
        again = submit_round(engine, settings, client, batch_id)

    registered_once(engine, registry)
    assert (again.queued, again.sent) == (0, 0) and registry.sim.stats()["requests"] == requests
    assert registry.sim.stats()["packages"] == 3  # 10 + 10 + 5
    with session_scope(engine) as session:
        submissions = session.exec(select(Submission)).all()
        moves = session.exec(
            select(RecordEvent.to_status).where(RecordEvent.actor == "ops").order_by(RecordEvent.id)
        ).all()
    assert all(s.state == SubmissionState.REGISTERED and s.receipt and s.answered_at for s in submissions)
    assert len({s.idempotency_key for s in submissions}) == 25
    assert Counter(moves) == Counter({RecordStatus.SUBMITTING: 25, RecordStatus.REGISTERED: 25})


def test_a_registry_failing_for_n_calls_then_healthy_completes_the_batch_after_retries(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 20)
    registry.sim.faults.fail_first = 7  # more than one package's 5 tries: the first round fails
    with registry.client(tries=5) as client:
        first = submit_round(engine, settings, client, batch_id)
        assert first.sent == 0 and "500" in first.registry_error
        assert statuses(engine) == Counter({RecordStatus.SUBMITTING: 20})
        second = submit_round(engine, settings, client, batch_id)

    assert second.sent == 20 and second.registry_error is None
    registered_once(engine, registry)
    assert registry.sim.stats()["faults_injected"] == 7
    with session_scope(engine) as session:
        submissions = session.exec(select(Submission)).all()
    # the first package lost one round, the second none; the old fault is not left as a reason
    assert Counter(s.tries for s in submissions) == Counter({1: 10, 0: 10})
    assert {s.reason for s in submissions} == {None}


def test_two_submission_runs_at_once_send_each_photo_once_and_share_the_work(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 40)
    registry.sim.faults.delay_s = 0.3  # each of the 4 packages takes a while: the runs overlap
    start = threading.Barrier(2)

    def one_run() -> SubmissionRound:
        with registry.client() as client:
            start.wait()
            return submit_round(engine, settings, client, batch_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [run.result() for run in [pool.submit(one_run) for _ in range(2)]]

    stats = registry.sim.stats()
    assert (stats["entries_received"], stats["records_received"], stats["duplicates"]) == (40, 40, 0)
    assert sorted(run.sent > 0 for run in runs) == [True, True]  # both ran at once, each sent a share
    assert sum(run.sent for run in runs) == sum(run.registered for run in runs) == 40
    registered_once(engine, registry)
    with session_scope(engine) as session:
        assert set(session.exec(select(Submission.claimed_by)).all()) == {None}  # every claim let go


class Stopped(BaseException):
    """The run stops dead here, as SIGKILL would stop it: nothing after this point runs."""


@pytest.mark.parametrize("registry_got_it", [True, False], ids=["after-the-send", "before-the-send"])
def test_a_run_that_stopped_mid_send_holds_its_package_until_the_claim_runs_out_then_none_goes_twice(
    engine, settings, contract, tmp_path, registry, monkeypatch, capsys, registry_got_it
):
    batch_id = collected(engine, settings, tmp_path, 20)
    quick = {"registry_timeout_s": 1.0, "registry_tries": 1, "registry_backoff_max_s": 0.0}  # a 2 s claim
    for name, value in quick.items():
        monkeypatch.setattr(settings, name, value)
    queue_collected(engine, settings, batch_id, actor="ops")

    def send_then_stop(package: bytes) -> None:
        if registry_got_it:
            real_send(package)
        raise Stopped

    with registry.client() as stopping:
        real_send = stopping.send_package
        monkeypatch.setattr(stopping, "send_package", send_then_stop)
        with pytest.raises(Stopped):
            send_submissions(engine, settings, stopping, due_submissions(engine), actor="ops")
    held = statuses(engine)
    with registry.client() as client:  # at once: the stopped run's package is left alone
        assert len(due_submissions(engine)) == 10
        meanwhile = submit_round(engine, settings, client, batch_id)
        assert meanwhile.sent == 10 and statuses(engine)[RecordStatus.SUBMITTING] == 10
        report = submission_report(engine, batch_id, meanwhile)
        show_submission_report(report)
        assert (report.held, report.pending) == (10, 10)
        shown = capsys.readouterr().out
        assert f"10 queued held by a sending run until {report.held_until:%H:%M:%S} UTC" in shown
        time.sleep(claim_lease(settings).total_seconds() + 0.1)
        later = submit_round(engine, settings, client, batch_id)  # asks about the 10 keys, then sends

    assert held == Counter({RecordStatus.SUBMITTING: 20})
    assert (later.sent, later.registered) == ((0, 10) if registry_got_it else (10, 10))
    stats = registry.sim.stats()
    assert (stats["entries_received"], stats["duplicates"]) == (20, 0)
    registered_once(engine, registry)
    assert held_submissions(engine, batch_id) == (0, None)


def test_an_answer_lost_to_a_timeout_is_asked_again_under_the_same_key_and_registered_once(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 10)
    registry.sim.faults.timeout_first, registry.sim.faults.hang_s = 1, 3.0
    with registry.client(timeout_s=0.5) as client:
        submit_round(engine, settings, client, batch_id)

    registered_once(engine, registry)
    assert registry.sim.stats()["duplicates"] == 10  # the retry resent the package; nothing registered twice


def test_a_permanent_rejection_is_registry_failed_with_its_reason_then_a_reshoot_and_a_new_key(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 3)
    with session_scope(engine) as session:
        rejected = session.exec(select(StudentRecord).order_by(StudentRecord.id)).first()
    registry.sim.faults.reject_keys = {rejected.id_number}
    with registry.client() as client:
        run = submit_round(engine, settings, client, batch_id)
    assert (run.registered, run.rejected) == (2, 1)

    with session_scope(engine) as session:
        events = session.exec(
            select(RecordEvent).where(RecordEvent.record_id == rejected.id).order_by(RecordEvent.id)
        ).all()
        submission = session.exec(select(Submission).where(Submission.record_id == rejected.id)).one()
        request = session.exec(select(ReshootRequest)).one()
        notice = session.exec(select(Notification)).one()
    assert [e.to_status for e in events[-3:]] == [
        RecordStatus.SUBMITTING,
        RecordStatus.REGISTRY_FAILED,
        RecordStatus.RESHOOT_REQUESTED,
    ]
    assert "不符合学历图像要求" in events[-2].reason and submission.state == SubmissionState.REJECTED
    assert submission.reason_code == "photo_rejected" and "take a new one" in submission.reason
    assert (request.source, request.attempt_no) == (ReshootSource.REGISTRY, 1)
    assert "take a new one" in notice.body and "学信网" in notice.body

    # the student's new photo passes review and is collected: a new submission, under a new key
    registry.sim.faults.reject_keys = set()
    new_photo_collected(engine, settings, rejected.id)
    with registry.client() as client:
        again = submit_round(engine, settings, client, batch_id)
    assert (again.queued, again.registered) == (1, 1)
    with session_scope(engine) as session:
        keys = session.exec(
            select(Submission.idempotency_key).where(Submission.record_id == rejected.id)
        ).all()
    assert len(set(keys)) == 2
    assert statuses(engine) == Counter({RecordStatus.REGISTERED: 3})


def new_photo_collected(engine, settings, record_id: int) -> None:
    """Attempt 2 for the record, reviewed and approved (what stages 1 and 2 would do)."""
    with session_scope(engine) as session:
        record = session.get(StudentRecord, record_id)
        passed_attempt(
            session,
            settings.data_dir,
            record,
            spec=spec_sized_jpeg(2),
            file_name="new.jpg",
            sha256="2" * 64,
            size_bytes=1,
            actor="test",
        )
        transition(session, record, RecordStatus.COLLECTED, actor="test")


def test_an_unreachable_registry_gives_up_after_its_rounds_until_ops_put_the_records_back(
    engine, settings, contract, tmp_path, registry, monkeypatch
):
    batch_id = collected(engine, settings, tmp_path, 4)
    monkeypatch.setattr(settings, "registry_rounds", 2)
    with RegistryClient("http://127.0.0.1:9", "t", timeout_s=0.2, tries=2, backoff_s=0.01) as down:
        rounds = [submit_round(engine, settings, down, batch_id) for _ in range(2)]
    assert [r.unreachable for r in rounds] == [0, 4]
    assert "127.0.0.1:9" in rounds[0].registry_error
    assert statuses(engine) == Counter({RecordStatus.REGISTRY_FAILED: 4})

    assert resubmit_unreachable(engine, batch_id, actor="ops") == 4
    with registry.client() as client:
        submit_round(engine, settings, client, batch_id)
    registered_once(engine, registry)


def test_each_move_of_a_submission_is_an_event_and_a_registered_one_never_moves_again(
    engine, settings, contract, tmp_path, registry, monkeypatch
):
    batch_id = collected(engine, settings, tmp_path, 2)
    monkeypatch.setattr(settings, "registry_rounds", 1)
    with RegistryClient("http://127.0.0.1:9", "t", timeout_s=0.2, tries=1, backoff_s=0.01) as down:
        submit_round(engine, settings, down, batch_id)
    resubmit_unreachable(engine, batch_id, actor="ops", flow_run_id="run-2")
    with registry.client() as client:
        submit_round(engine, settings, client, batch_id)

    with session_scope(engine) as session:
        events = session.exec(select(SubmissionEvent).order_by(col(SubmissionEvent.id))).all()
        by_submission: dict[int, list[SubmissionEvent]] = {}
        for event in events:
            by_submission.setdefault(event.submission_id, []).append(event)
        assert len(by_submission) == 2
        for moves in by_submission.values():
            states = [(e.from_state, e.to_state) for e in moves]
            assert states[:3] == [
                (None, SubmissionState.QUEUED),
                (SubmissionState.QUEUED, SubmissionState.UNREACHABLE),
                (SubmissionState.UNREACHABLE, SubmissionState.QUEUED),
            ]
            assert states[-1][1] is SubmissionState.REGISTERED
            assert all(submission_state.MOVES.can_move(a, b) for a, b in states)
            assert all(later.from_state is earlier.to_state for earlier, later in itertools.pairwise(moves))
            assert (moves[2].actor, moves[2].flow_run_id) == ("ops", "run-2")
            assert "unreachable after 1 rounds" in moves[1].reason
        registered = session.exec(select(Submission)).first()
        with pytest.raises(IllegalTransitionError, match="上网成功 / Registered -> 待发送 / Queued"):
            submission_state.move(session, registered, SubmissionState.QUEUED, actor="someone")
    with session_scope(engine) as session:
        assert set(session.exec(select(Submission.state)).all()) == {SubmissionState.REGISTERED}
        assert len(session.exec(select(SubmissionEvent)).all()) == len(events)
    registered_once(engine, registry)


def test_a_slow_decision_waits_as_accepted_until_a_later_poll(engine, settings, contract, tmp_path, registry):
    batch_id = collected(engine, settings, tmp_path, 5)
    registry.sim.faults.decide_after_s = 0.4
    with registry.client() as client:
        run = submit_round(engine, settings, client, batch_id)
        assert (run.accepted, run.registered) == (5, 0)
        with session_scope(engine) as session:
            assert set(session.exec(select(Submission.state)).all()) == {SubmissionState.ACCEPTED}
        time.sleep(0.5)
        later = poll_accepted(engine, client, batch_id=batch_id, actor="reconcile")
    assert later.registered == 5
    registered_once(engine, registry)


def test_a_photo_breaking_the_package_rules_is_refused_before_sending_and_the_rest_goes_on(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 3)
    with session_scope(engine) as session:
        record = session.exec(select(StudentRecord).order_by(StudentRecord.id)).first()
        review = session.exec(
            select(AutoReview).join(PhotoAttempt).where(PhotoAttempt.record_id == record.id)
        ).one()
    (settings.data_dir / review.spec_image_path).write_bytes(spec_sized_jpeg(1, quality=97))  # > 40 KB
    with registry.client() as client:
        run = submit_round(engine, settings, client, batch_id)

    assert (run.sent, run.registered, run.rejected) == (2, 2, 1)
    assert registry.sim.stats()["entries_received"] == 2
    with session_scope(engine) as session:
        submission = session.exec(select(Submission).where(Submission.record_id == record.id)).one()
        request = session.exec(select(ReshootRequest)).one()
    assert (
        submission.reason_code == "package_rules" and "size_bytes is outside 20480-40960" in submission.reason
    )
    assert request.record_id == record.id and request.source == ReshootSource.REGISTRY
    assert statuses(engine)[RecordStatus.RESHOOT_REQUESTED] == 1


def test_a_round_that_fails_waits_its_backoff_before_the_next_send(
    engine, settings, contract, tmp_path, registry, monkeypatch
):
    batch_id = collected(engine, settings, tmp_path, 2)
    monkeypatch.setattr(settings, "registry_retry_s", 60.0)
    registry.sim.faults.fail_first = 2
    with registry.client(tries=2) as client:
        submit_round(engine, settings, client, batch_id)
    assert due_submissions(engine, batch_id=batch_id) == []
    later = due_submissions(engine, batch_id=batch_id, now=utcnow() + timedelta(seconds=61))
    assert len(later) == 2


CLIENT = {"registry_timeout_s": 1.0, "registry_tries": 2, "registry_backoff_max_s": 0.05}  # a 4 s claim


def photoflow_command(*args: str, registry, settings) -> tuple[list[str], dict[str, str]]:
    """The installed `photoflow` command, and an environment for this test's database and registry."""
    command = shutil.which("photoflow") or str(Path(sys.executable).parent / "photoflow")
    env = {
        **os.environ,
        "PHOTOFLOW_REGISTRY_URL": registry.url,
        "PHOTOFLOW_REGISTRY_TOKEN": registry.token,
        "PHOTOFLOW_REGISTRY_PACKAGE_SIZE": "10",
        "PHOTOFLOW_REGISTRY_POLL_S": "0.1",
        "PREFECT_HOME": str(settings.data_dir / "prefect-cli"),
        **{f"PHOTOFLOW_{name.upper()}": str(value) for name, value in CLIENT.items()},
    }
    env.pop("PREFECT_API_URL", None)  # its own temporary Prefect server, as an operator's run has
    return [command, *args], env


@pytest.mark.flow
def test_a_submission_run_killed_halfway_and_run_again_registers_every_record_exactly_once(
    engine, settings, contract, tmp_path, registry
):
    batch_id = collected(engine, settings, tmp_path, 200)
    registry.sim.faults.delay_s = 0.05  # a slow registry, so the kill lands mid-batch
    command, env = photoflow_command(
        "registry", "submit", "--batch", str(batch_id), registry=registry, settings=settings
    )
    run = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while registry.sim.stats()["entries_received"] < 100:
        assert run.poll() is None, "the submission run ended before it was killed"
        assert time.monotonic() < deadline, "the submission run sent nothing within 3 minutes"
        time.sleep(0.01)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its temporary Prefect server, no clean-up
    killed_at = time.monotonic()
    run.wait(timeout=30)

    midway = statuses(engine)
    assert 0 < midway[RecordStatus.REGISTERED] < 200 and midway[RecordStatus.SUBMITTING] > 0
    registry.sim.faults.delay_s = 0.0
    # the package the killed run had in flight stays claimed until its claim runs out
    claim_ends = killed_at + claim_lease(settings.model_copy(update=CLIENT)).total_seconds()
    time.sleep(max(0.0, claim_ends - time.monotonic()))
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)

    assert again.returncode == 0, again.stdout + again.stderr
    registered_once(engine, registry)
    # the rerun asked about the keys the killed run may have sent before sending them: none went twice
    assert registry.sim.stats()["entries_received"] == 200
