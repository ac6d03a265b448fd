"""Photo intake and stage 1 for a batch, on real portraits, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
from photoflow.quality.stage import pending_attempts, review_attempts
from photoflow.roster.workbook import write_roster_workbook
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.manual_review import ManualReview
from schemas.photos import AutoReview, PhotoAttempt
from schemas.records import RecordEvent, StudentRecord
from tests.helpers import students, upload
from tests.paths import DATASETS

NEUTRAL = [DATASETS / "id_portraits" / "london_neutral_front" / f"{n:03d}_03.jpg" for n in (2, 3, 4)]
SMILING = DATASETS / "id_defects" / "london_smiling_front" / "005_08.jpg"
AUTHOR = IntakeAuthor("test-admin", None)


@pytest.fixture
def roster(engine, settings, contract, tmp_path, monkeypatch):
    """A batch of four students; the last one is known by its collection code too."""
    monkeypatch.setattr(settings, "photo_workers", 1)
    rows = students(4, seed=3)
    rows[3]["collection_code"] = "2020062800834"
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", rows))
    assert report.succeeded == 4
    return report.batch_id, [row["id_number"] for row in rows]


def receive(engine, settings, batch_id, folder: Path):
    listing = list_upload(settings, folder)
    return receive_photos(
        engine, settings, batch_id=batch_id, listing=listing, source_name=folder.name, author=AUTHOR
    )


def folder_of(tmp_path: Path, files: dict[str, Path | bytes]) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return folder


def statuses(engine) -> dict[str, RecordStatus]:
    with session_scope(engine) as session:
        return {r.id_number: r.status for r in session.exec(select(StudentRecord))}


def test_photos_match_by_id_number_or_collection_code_and_strangers_are_reported(
    engine, settings, roster, tmp_path
):
    batch_id, ids = roster
    folder = folder_of(
        tmp_path,
        {
            f"{ids[0]}.jpg": NEUTRAL[0],
            f"{ids[1].lower()}.JPG": NEUTRAL[1],  # a lower-case x and an upper-case extension still match
            "2020062800834.jpg": NEUTRAL[2],
            "110101199003074514.jpg": NEUTRAL[0],  # a valid ID number, but not a student of this batch
            "readme.txt": b"photos for class 2101",
        },
    )

    report = receive(engine, settings, batch_id, folder)

    assert (report.total, report.accepted, report.not_accepted) == (5, 3, 2)
    unmatched = {p.name: p.code for p in report.problems}
    assert unmatched == {"110101199003074514.jpg": "unmatched", "readme.txt": "unmatched"}
    assert all("1101011990" not in p.detail for p in report.problems)  # ID numbers are masked in details
    got = statuses(engine)
    assert got[ids[0]] == got[ids[1]] == got[ids[3]] == RecordStatus.IN_AUTO_REVIEW
    assert got[ids[2]] == RecordStatus.AWAITING_PHOTO


def test_originals_are_kept_unchanged_under_their_content_hash(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    receive(engine, settings, batch_id, folder_of(tmp_path, {f"{ids[0]}.jpg": NEUTRAL[0]}))

    with session_scope(engine) as session:
        attempt = session.exec(select(PhotoAttempt)).one()
    stored = settings.data_dir / attempt.original_path
    assert stored.read_bytes() == NEUTRAL[0].read_bytes()
    assert attempt.sha256 == hashlib.sha256(NEUTRAL[0].read_bytes()).hexdigest()
    assert attempt.sha256 in stored.name and attempt.file_name == f"{ids[0]}.jpg"


def test_receiving_the_same_zip_twice_creates_nothing_twice(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(NEUTRAL[0], f"class2101/{ids[0]}.jpg")
        zf.write(NEUTRAL[1], f"class2101/{ids[1]}.jpg")
        zf.writestr("../escape.jpg", NEUTRAL[2].read_bytes())

    first = receive(engine, settings, batch_id, archive)
    second = receive(engine, settings, batch_id, archive)

    assert (first.accepted, first.unchanged) == (2, 0)
    assert (second.accepted, second.unchanged) == (0, 2)
    assert [p.code for p in first.problems] == ["not_read"] and "../escape.jpg" in first.problems[0].name
    with session_scope(engine) as session:
        assert len(session.exec(select(PhotoAttempt)).all()) == 2
        moves = session.exec(
            select(RecordEvent).where(RecordEvent.to_status == RecordStatus.IN_AUTO_REVIEW)
        ).all()
        assert len(moves) == 2


def test_two_files_for_one_student_are_both_reported_and_neither_taken(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    folder = folder_of(tmp_path, {f"{ids[0]}.jpg": NEUTRAL[0], f"{ids[0]}.png": NEUTRAL[1]})

    report = receive(engine, settings, batch_id, folder)

    assert report.accepted == 0
    assert sorted((p.name, p.code) for p in report.problems) == [
        (f"{ids[0]}.jpg", "duplicate"),
        (f"{ids[0]}.png", "duplicate"),
    ]
    assert statuses(engine)[ids[0]] == RecordStatus.AWAITING_PHOTO


def test_stage_one_sends_passes_to_manual_review_and_failures_to_reshoot(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    folder = folder_of(
        tmp_path, {f"{ids[0]}.jpg": NEUTRAL[0], f"{ids[1]}.jpg": SMILING, f"{ids[2]}.jpg": b"not a photo"}
    )
    receive(engine, settings, batch_id, folder)

    reviewed = review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    verdicts = {item.file_name.split(".")[0]: item for item in reviewed}
    assert verdicts[ids[0]].passed and verdicts[ids[0]].status == RecordStatus.IN_MANUAL_REVIEW
    assert not verdicts[ids[1]].passed and {"smiling", "teeth_showing"} & set(verdicts[ids[1]].reasons)
    assert verdicts[ids[2]].reasons == ["not_an_image"]
    got = statuses(engine)
    assert got[ids[1]] == got[ids[2]] == RecordStatus.RESHOOT_REQUESTED
    with session_scope(engine) as session:
        reviews = {r.attempt_id: r for r in session.exec(select(AutoReview))}
        events = session.exec(select(RecordEvent).where(RecordEvent.actor == "stage1")).all()
        queued = session.exec(select(ManualReview)).all()
    # only the pass waits in the manual queue, undecided and unclaimed
    passed_attempt = verdicts[ids[0]].attempt_id
    assert [(q.attempt_id, q.decision, q.holder) for q in queued] == [(passed_attempt, None, None)]
    passed = reviews[verdicts[ids[0]].attempt_id]
    assert (settings.data_dir / passed.spec_image_path).read_bytes()[:2] == b"\xff\xd8"
    assert passed.overlay_path is None and passed.standardised
    rejected = reviews[verdicts[ids[1]].attempt_id]
    assert (settings.data_dir / rejected.overlay_path).read_bytes()[:4] == b"\x89PNG"
    assert {m["measure"] for m in rejected.measurements} >= {"smile", "eye_line", "sharpness", "file_size_kb"}
    # a rejection is two moves: failed automatic review, then reshoot requested
    assert sorted(str(e.to_status) for e in events) == sorted(
        ["in_manual_review", "auto_rejected", "reshoot_requested", "auto_rejected", "reshoot_requested"]
    )


def test_a_rerun_reviews_nothing_twice_and_a_reshoot_is_a_new_attempt(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    receive(engine, settings, batch_id, folder_of(tmp_path, {f"{ids[0]}.jpg": SMILING}))
    review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    assert pending_attempts(engine, batch_id) == []
    with session_scope(engine) as session:
        attempt_ids = list(session.exec(select(PhotoAttempt.id)))
    assert review_attempts(engine, settings, attempt_ids, actor="stage1") == []

    (tmp_path / "reshoot").mkdir()
    (tmp_path / "reshoot" / f"{ids[0]}.jpg").write_bytes(NEUTRAL[0].read_bytes())
    report = receive(engine, settings, batch_id, tmp_path / "reshoot")
    reviewed = review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    assert report.accepted == 1 and [item.passed for item in reviewed] == [True]
    with session_scope(engine) as session:
        attempts = session.exec(select(PhotoAttempt).order_by(PhotoAttempt.attempt_no)).all()
        assert [a.attempt_no for a in attempts] == [1, 2]
        assert len(session.exec(select(AutoReview)).all()) == 2
    assert statuses(engine)[ids[0]] == RecordStatus.IN_MANUAL_REVIEW


def test_a_student_past_review_gets_no_new_attempt(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    receive(engine, settings, batch_id, folder_of(tmp_path, {f"{ids[0]}.jpg": NEUTRAL[0]}))
    with session_scope(engine) as session:
        record = session.exec(select(StudentRecord).where(StudentRecord.id_number == ids[0])).one()
        transition(session, record, RecordStatus.IN_MANUAL_REVIEW, actor="test")

    (tmp_path / "again").mkdir()
    (tmp_path / "again" / f"{ids[0]}.jpg").write_bytes(NEUTRAL[1].read_bytes())
    report = receive(engine, settings, batch_id, tmp_path / "again")

    assert report.accepted == 0 and [p.code for p in report.problems] == ["not_awaiting_photo"]
    assert "reshoot" in report.problems[0].detail


def test_two_worker_processes_review_like_one(engine, settings, roster, tmp_path, monkeypatch):
    batch_id, ids = roster
    monkeypatch.setattr(settings, "photo_workers", 2)
    receive(
        engine,
        settings,
        batch_id,
        folder_of(tmp_path, {f"{ids[0]}.jpg": NEUTRAL[0], f"{ids[1]}.jpg": SMILING}),
    )

    reviewed = review_attempts(engine, settings, pending_attempts(engine, batch_id), actor="stage1")

    assert sorted(item.passed for item in reviewed) == [False, True]
