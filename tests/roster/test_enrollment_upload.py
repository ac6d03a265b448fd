"""Enrollment photos (录取照片): a zip named by ID number becomes each student's reference; every file is
reported, unsafe members are never read, and ID numbers are masked in details. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import struct
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from photoflow.cli import main
from photoflow.errors import NotFoundError, PhotoflowError
from photoflow.idnumber import mask
from photoflow.roster.workbook import write_roster_workbook
from photoflow.similarity.enrollment import list_enrollment_uploads, upload_enrollment_photos
from schemas.db import session_scope
from schemas.enrollment import EnrollmentReport
from schemas.records import StudentRecord
from schemas.similarity import ComparisonKind, EnrollmentUpload, ReferencePhoto
from tests.helpers import students, upload
from tests.paths import DATASETS

SMILING = DATASETS / "id_defects" / "london_smiling_front"
KB, MB = 1024, 1024 * 1024
STRANGER = "110101199003074514"  # a valid ID number, but of no student in the batch
CENTRAL_HEADER = b"PK\x01\x02"


@pytest.fixture
def roster(engine, settings, contract, tmp_path) -> tuple[int, list[str]]:
    """A batch of three students; returns its ID and their ID numbers."""
    rows = students(3, seed=5)
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", rows))
    assert report.succeeded == 3
    return report.batch_id, [row["id_number"] for row in rows]


@pytest.fixture
def unzipped(monkeypatch) -> dict[str, int]:
    """Bytes decompressed from each zip member, however the reader asks for them."""
    counts: dict[str, int] = defaultdict(int)
    read = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = read(self, n)
        counts[self.name] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return counts


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def real_photo_under_100_kb(path: Path) -> bytes:
    """A real portrait re-saved smaller, as an institution's export would be."""
    image = Image.open(path)
    image.thumbnail((400, 400))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    assert len(out.getvalue()) < 100 * KB
    return out.getvalue()


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def send(engine, settings, batch_id: int, archive: Path) -> EnrollmentReport:
    report = upload_enrollment_photos(engine, settings, batch_id=batch_id, source=archive, actor="test-admin")
    assert report.total == report.accepted + report.unchanged + report.not_accepted
    return report


def codes(report: EnrollmentReport) -> dict[str, str]:
    return {problem.name: problem.code for problem in report.problems}


def details(report: EnrollmentReport) -> dict[str, str]:
    return {problem.name: problem.detail for problem in report.problems}


def references(engine) -> dict[str, ReferencePhoto]:
    """Enrollment references by their student's ID number."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(StudentRecord.id_number, ReferencePhoto)
            .join(ReferencePhoto, ReferencePhoto.record_id == StudentRecord.id)
            .where(ReferencePhoto.kind == ComparisonKind.ENROLLMENT)
        ).all()
        return {id_number: reference for id_number, reference in rows}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_photos_named_by_id_number_become_the_students_enrollment_photos(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    real = real_photo_under_100_kb(SMILING / "005_08.jpg")
    archive = make_zip(
        tmp_path / "录取照片.zip", {f"{ids[0]}.jpg": real, f"{ids[1]}.JPG": jpeg((200, 30, 30))}
    )

    report = send(engine, settings, batch_id, archive)

    assert (report.total, report.accepted, report.unchanged, report.not_accepted) == (2, 2, 0, 0)
    assert report.source_name == "录取照片.zip" and report.received_by == "test-admin"
    kept = references(engine)
    assert set(kept) == {ids[0], ids[1]}
    assert kept[ids[0]].sha256 == sha256(real) and kept[ids[0]].source == "录取照片.zip"
    assert (settings.data_dir / kept[ids[0]].path).read_bytes() == real


def test_same_zip_again_is_unchanged_and_a_different_photo_replaces_the_current_one(
    engine, settings, roster, tmp_path
):
    batch_id, ids = roster
    first = make_zip(
        tmp_path / "first.zip", {f"{ids[0]}.jpg": jpeg((200, 0, 0)), f"{ids[1]}.jpg": jpeg((0, 0, 200))}
    )
    fixed_photo = jpeg((0, 160, 0))
    fixed = make_zip(tmp_path / "fixed.zip", {f"{ids[0]}.jpg": fixed_photo})

    send(engine, settings, batch_id, first)
    again = send(engine, settings, batch_id, first)
    replaced = send(engine, settings, batch_id, fixed)

    assert (again.accepted, again.unchanged) == (0, 2)
    assert (replaced.accepted, replaced.unchanged) == (1, 0)
    kept = references(engine)
    assert kept[ids[0]].sha256 == sha256(fixed_photo) and kept[ids[0]].source == "fixed.zip"
    assert kept[ids[1]].source == "first.zip"
    listed = list_enrollment_uploads(engine, batch_id)
    assert [(r.source_name, r.accepted, r.unchanged) for r in listed] == [
        ("first.zip", 2, 0),
        ("first.zip", 0, 2),
        ("fixed.zip", 1, 0),
    ]


def test_photo_over_100_kb_is_refused_with_the_platforms_rule(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    original = SMILING / "001_08.jpg"  # a real portrait of 166 KB, straight from the camera
    archive = make_zip(tmp_path / "big.zip", {f"{ids[0]}.jpg": original.read_bytes()})

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {f"{ids[0]}.jpg": "too_large"}
    detail = details(report)[f"{ids[0]}.jpg"]
    assert "165.8 KB" in detail and "under 100 KB" in detail and "compress it" in detail
    assert references(engine) == {}


@pytest.mark.parametrize("name", ["../evil.jpg", "/etc/{id}.jpg", "photos/../../{id}.jpg", "C:/{id}.jpg"])
def test_member_pointing_outside_the_upload_is_not_read(engine, settings, roster, tmp_path, unzipped, name):
    batch_id, ids = roster
    evil = name.format(id=ids[1])
    archive = make_zip(tmp_path / "slip.zip", {evil: jpeg((1, 2, 3)), f"{ids[0]}.jpg": jpeg((9, 9, 9))})

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {evil: "not_read"}
    assert "outside the upload" in details(report)[evil]
    assert evil not in unzipped
    assert set(references(engine)) == {ids[0]}


def test_highly_compressible_huge_member_is_refused_without_being_read(
    engine, settings, roster, tmp_path, unzipped
):
    batch_id, ids = roster
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        with writer.open(f"{ids[0]}.jpg", "w", force_zip64=True) as member:
            member.write(jpeg((0, 0, 0)))
            for _ in range(64):
                member.write(bytes(MB))  # 64 MB of zeros: a zip of a few hundred KB
        writer.writestr(f"{ids[1]}.jpg", jpeg((5, 5, 5)))
    assert archive.stat().st_size < MB

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {f"{ids[0]}.jpg": "too_large"}
    assert f"{ids[0]}.jpg" not in unzipped
    assert set(references(engine)) == {ids[1]}


def test_member_declaring_a_small_size_but_expanding_is_not_read_past_it(
    engine, settings, roster, tmp_path, unzipped
):
    batch_id, ids = roster
    archive = make_zip(tmp_path / "liar.zip", {f"{ids[0]}.jpg": bytes(16 * MB)})
    patch_uncompressed_size(archive, 10)

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {f"{ids[0]}.jpg": "not_read"}
    detail = details(report)[f"{ids[0]}.jpg"]
    assert "could not be read" in detail and ids[0] not in detail  # zipfile's error names the member
    assert unzipped[f"{ids[0]}.jpg"] <= settings.max_enrollment_photo_bytes
    assert references(engine) == {}


def patch_uncompressed_size(path: Path, size: int) -> None:
    """Make the first central directory entry claim `size` uncompressed bytes, as a crafted zip would."""
    content = bytearray(path.read_bytes())
    field = content.index(CENTRAL_HEADER) + 24
    content[field : field + 4] = struct.pack("<I", size)
    path.write_bytes(bytes(content))


def test_photos_in_nested_folders_are_matched_by_their_file_name(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    archive = make_zip(
        tmp_path / "nested.zip",
        {f"2024/计算2101/{ids[0]}.jpg": jpeg((10, 20, 30)), f"a/b/c/d/{ids[1]}.png": png()},
    )

    report = send(engine, settings, batch_id, archive)

    assert (report.accepted, report.not_accepted) == (2, 0)
    assert set(references(engine)) == {ids[0], ids[1]}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


def test_macos_and_windows_leftovers_are_reported_as_not_photos(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    archive = make_zip(
        tmp_path / "mac.zip",
        {
            f"{ids[0]}.jpg": jpeg((1, 1, 1)),
            f"__MACOSX/._{ids[0]}.jpg": b"\x00\x05\x16\x07",
            ".DS_Store": b"\x00",
        },
    )

    report = send(engine, settings, batch_id, archive)

    assert report.accepted == 1
    assert codes(report) == {f"__MACOSX/._{ids[0]}.jpg": "not_read", ".DS_Store": "not_read"}
    assert all("system file" in detail for detail in details(report).values())


@pytest.mark.parametrize(
    "content", [b"photos of class 2101", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"], ids=["text", "pdf"]
)
def test_file_that_is_not_a_picture_is_refused_whatever_its_name(engine, settings, roster, tmp_path, content):
    batch_id, ids = roster
    archive = make_zip(tmp_path / "odd.zip", {f"{ids[0]}.jpg": content})

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {f"{ids[0]}.jpg": "not_an_image"}
    detail = details(report)[f"{ids[0]}.jpg"]
    assert mask(ids[0]) in detail and ids[0] not in detail
    assert "JPEG" in detail  # says what to send instead
    assert references(engine) == {}


def test_two_files_for_the_same_student_are_both_refused(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    archive = make_zip(
        tmp_path / "twice.zip", {f"a/{ids[0]}.jpg": jpeg((200, 0, 0)), f"b/{ids[0]}.jpg": jpeg((0, 200, 0))}
    )

    report = send(engine, settings, batch_id, archive)

    assert [problem.code for problem in report.problems] == ["duplicate", "duplicate"]
    assert all("keep only the right photo" in problem.detail for problem in report.problems)
    assert references(engine) == {}


def test_name_not_in_the_roster_is_refused_with_the_id_number_masked(
    engine, settings, roster, tmp_path, caplog
):
    batch_id, ids = roster
    archive = make_zip(
        tmp_path / "other.zip", {f"{STRANGER}.jpg": jpeg((7, 7, 7)), f"{ids[0]}.jpg": jpeg((8, 8, 8))}
    )
    caplog.set_level(logging.INFO, logger="photoflow.similarity.enrollment")

    report = send(engine, settings, batch_id, archive)

    assert codes(report) == {f"{STRANGER}.jpg": "unmatched"}
    detail = details(report)[f"{STRANGER}.jpg"]
    assert mask(STRANGER) in detail and STRANGER not in detail
    assert "<证件号>.jpg" in detail
    assert "1 accepted" in caplog.text and STRANGER not in caplog.text and ids[0] not in caplog.text


def test_anything_but_a_zip_is_refused_saying_to_send_one(engine, settings, roster, tmp_path):
    batch_id, ids = roster
    text = tmp_path / "photos.zip"
    text.write_text("not really a zip", encoding="utf-8")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / f"{ids[0]}.jpg").write_bytes(jpeg((1, 2, 3)))

    with pytest.raises(PhotoflowError, match=r"photos\.zip is not a zip archive: .* upload the zip"):
        send(engine, settings, batch_id, text)
    with pytest.raises(PhotoflowError, match=r"is a folder: enrollment photos are uploaded as one \.zip"):
        send(engine, settings, batch_id, folder)
    with pytest.raises(PhotoflowError, match=r"missing\.zip: no such file"):
        send(engine, settings, batch_id, tmp_path / "missing.zip")
    with pytest.raises(PhotoflowError, match=r"roster\.xlsx is a document .*, not a zip of photos"):
        send(engine, settings, batch_id, tmp_path / "roster.xlsx")  # an .xlsx is a zip inside
    assert list_enrollment_uploads(engine, batch_id) == []


def test_unknown_batch_is_refused_pointing_at_the_roster_list(engine, settings, roster, tmp_path):
    archive = make_zip(tmp_path / "photos.zip", {"x.jpg": jpeg((1, 1, 1))})

    with pytest.raises(NotFoundError, match=r"no batch 999: `photoflow roster list --json`"):
        send(engine, settings, 999, archive)
    with pytest.raises(NotFoundError, match="no batch 999"):
        list_enrollment_uploads(engine, 999)
    with session_scope(engine) as session:
        assert session.exec(select(EnrollmentUpload)).all() == []


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["photoflow", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def test_cli_upload_and_list_as_json(monkeypatch, capsys, engine, settings, roster, tmp_path):
    batch_id, ids = roster
    archive = make_zip(
        tmp_path / "enrol.zip", {f"{ids[0]}.jpg": jpeg((3, 3, 3)), f"{STRANGER}.jpg": jpeg((4, 4, 4))}
    )

    code, out, _ = cli(
        monkeypatch, capsys, "enrollment", "upload", str(archive), "--batch", str(batch_id), "--json"
    )

    assert code == 0
    report = json.loads(out)
    assert (report["total"], report["accepted"], report["not_accepted"]) == (2, 1, 1)
    [problem] = report["problems"]
    assert problem["code"] == "unmatched" and problem["reason"] == "未匹配到学生"
    assert STRANGER not in problem["detail"]
    code, out, _ = cli(monkeypatch, capsys, "enrollment", "list", "--batch", str(batch_id), "--json")
    assert code == 0
    assert [(r["upload_id"], r["source_name"]) for r in json.loads(out)] == [
        (report["upload_id"], "enrol.zip")
    ]


def test_cli_shows_the_table_and_refuses_an_unknown_batch_without_a_traceback(
    monkeypatch, capsys, engine, settings, roster, tmp_path
):
    batch_id = roster[0]
    archive = make_zip(tmp_path / "enrol.zip", {f"{STRANGER}.jpg": jpeg((4, 4, 4))})

    code, out, _ = cli(monkeypatch, capsys, "enrollment", "upload", str(archive), "--batch", str(batch_id))
    assert code == 0 and "未匹配到学生" in out and mask(STRANGER) in out

    code, out, err = cli(monkeypatch, capsys, "enrollment", "upload", str(archive), "--batch", "999")
    assert code == 1 and err.startswith("error: no batch 999") and "Traceback" not in err
