"""Refusals as a user meets them, from a new `photoflow` process: exit 1, one line naming the file or
the ID and what to do, never a traceback, and nothing changed or half-written (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select

from photoflow.idnumber import mask
from photoflow.roster.workbook import write_roster_workbook
from schemas.db import session_scope
from schemas.photos import PhotoAttempt, PhotoIntake
from schemas.records import StudentRecord
from tests.helpers import INSTITUTION, students, upload
from tests.paths import DATASETS

PHOTOFLOW = str(Path(sys.executable).parent / "photoflow")
PORTRAIT = DATASETS / "id_portraits" / "london_neutral_front" / "004_03.jpg"
UNKNOWN_ID = "110101199003074514"  # a valid ID number that is on no roster of these tests
BATCH = ("--institution", INSTITUTION, "--category", "regular")


@pytest.fixture
def roster(engine, settings, contract, tmp_path):
    """A batch of three students awaiting photos: (upload id, their ID numbers)."""
    rows = students(3, seed=11)
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", rows))
    assert report.succeeded == 3
    return report.upload_id, [row["id_number"] for row in rows]


def photoflow(*args: str) -> subprocess.CompletedProcess[str]:
    """The console script in a new process, with no terminal; the `settings` fixture set its environment."""
    return subprocess.run(
        [PHOTOFLOW, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300, check=False
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The refusal's text, once checked to be exit 1 with no traceback anywhere on screen."""
    screen = result.stdout + result.stderr
    assert result.returncode == 1, screen
    assert "Traceback" not in screen
    return result.stderr


def answered_on_a_terminal(answer: str, *args: str) -> tuple[int, str]:
    """Run the command on a pseudo-terminal, type `answer` once it asks; (exit code, screen)."""
    main, other = pty.openpty()
    process = subprocess.Popen([PHOTOFLOW, *args], stdin=other, stdout=other, stderr=other)
    os.close(other)
    screen, answered = b"", False
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the process ended and everything it wrote was read
            break
        if not chunk:
            break
        screen += chunk
        if not answered and b"Go on?" in screen:
            os.write(main, answer.encode() + b"\n")
            answered = True
    os.close(main)
    return process.wait(timeout=120), screen.decode()


def records_left(engine) -> int:
    with session_scope(engine) as session:
        return len(session.exec(select(StudentRecord)).all())


def nothing_received(engine, settings) -> bool:
    """No intake, no attempt, and no original kept under the data folder."""
    with session_scope(engine) as session:
        rows = session.exec(select(PhotoIntake)).all() + session.exec(select(PhotoAttempt)).all()
    return not rows and not (settings.data_dir / "photos").exists()


def test_roster_delete_refuses_without_a_terminal_and_names_yes(engine, roster):
    upload_id, _ = roster
    message = refused(photoflow("roster", "delete", str(upload_id)))
    assert "roster.xlsx" in message and "remove 3 record(s) still awaiting a photo" in message
    assert "keep 0" in message and "--yes" in message
    assert records_left(engine) == 3

    result = photoflow("roster", "delete", str(upload_id), "--yes", "--json")
    assert result.returncode == 0, result.stderr
    assert records_left(engine) == 0


def test_roster_delete_asks_on_a_terminal_and_a_no_removes_nothing(engine, roster):
    upload_id, _ = roster
    code, screen = answered_on_a_terminal("n", "roster", "delete", str(upload_id))
    assert "remove 3 record(s) still awaiting a photo, keep 0" in screen and "Go on?" in screen
    assert code == 1
    assert records_left(engine) == 3

    code, screen = answered_on_a_terminal("y", "roster", "delete", str(upload_id))
    assert code == 0 and "removed 3 record(s)" in screen and "Traceback" not in screen
    assert records_left(engine) == 0


def test_held_decide_naming_only_unknown_or_unheld_ids_exits_1_naming_them_masked(roster):
    _, ids = roster
    result = photoflow("held", "decide", "reject", "--id-number", UNKNOWN_ID, "--id-number", ids[0], "--yes")
    message = refused(result)
    assert f"{mask(UNKNOWN_ID)}: no such student" in message and f"{mask(ids[0])}:" in message
    assert UNKNOWN_ID not in result.stdout + message and ids[0] not in result.stdout + message


def test_photo_add_for_an_unknown_id_exits_1_and_receives_nothing(engine, settings, roster):
    result = photoflow("photo", "add", str(PORTRAIT), "--id-number", UNKNOWN_ID, *BATCH)
    message = refused(result)
    assert f"{mask(UNKNOWN_ID)} matches no student of batch" in message and "roster" in message
    assert UNKNOWN_ID not in result.stdout + message
    assert nothing_received(engine, settings)


def test_photo_add_over_the_size_limit_is_one_line_naming_file_and_limit(engine, settings, roster, tmp_path):
    _, ids = roster
    big = tmp_path / "big.jpg"  # a real JPEG padded to 16 MB: readers ignore bytes after its end
    big.write_bytes(PORTRAIT.read_bytes() + os.urandom(16 * 1024 * 1024))

    message = refused(photoflow("photo", "add", str(big), "--id-number", ids[0], *BATCH))

    assert "big.jpg is 16." in message and "the limit is 15.0 MB per photo" in message
    assert "send a smaller photo" in message and len(message.strip().splitlines()) == 1
    assert nothing_received(engine, settings)


def truncated_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(PORTRAIT, "photo.jpg")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a download cut off half way
    return path


def text_named_zip(path: Path) -> Path:
    path.write_text("this is a note, not an archive", encoding="utf-8")
    return path


def empty_zip(path: Path) -> Path:
    zipfile.ZipFile(path, "w").close()
    return path


def folder_of_junk(path: Path) -> Path:
    (path / "__MACOSX").mkdir(parents=True)
    (path / "__MACOSX" / "._photo.jpg").write_bytes(b"\x00")
    (path / ".DS_Store").write_bytes(b"\x00")
    return path


@pytest.mark.parametrize(
    ("make", "name", "problem"),
    [
        (truncated_zip, "class.zip", "the archive class.zip is incomplete"),
        (text_named_zip, "class.zip", "class.zip is neither a folder nor a zip archive"),
        (empty_zip, "class.zip", "the archive class.zip holds no photos (it is empty)"),
        (folder_of_junk, "class", "the folder class holds no photos (only hidden or system files"),
    ],
    ids=["truncated-zip", "not-a-zip", "empty-zip", "folder-of-junk"],
)
def test_photo_intake_of_a_bad_or_empty_upload_is_one_line_and_receives_nothing(
    engine, settings, roster, tmp_path, make, name, problem
):
    source = make(tmp_path / name)
    message = refused(photoflow("photo", "intake", str(source), *BATCH))
    assert problem in message and len(message.strip().splitlines()) == 1
    assert nothing_received(engine, settings)
