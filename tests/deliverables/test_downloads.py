"""One-time download packages: what goes in, the files as an institution opens them, the once-only
rule (also with two creations at once), delivery by e-mail, and the commands."""

from __future__ import annotations

import json
import threading
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import idnumber
from photoflow.downloads import packages
from photoflow.downloads.packages import create_package, downloadable, list_packages, package_files
from photoflow.errors import PhotoflowError
from photoflow.exports.workbook import COLUMNS
from photoflow.photos.attempts import latest_attempt
from photoflow.roster.workbook import write_roster_workbook
from photoflow.settings import Settings, get_settings
from photoflow.state import transition
from schemas.db import session_scope
from schemas.deliverables import DownloadItem, DownloadPackage
from schemas.enums import RecordStatus
from schemas.photos import AutoReview
from schemas.records import StudentRecord
from tests.cli.test_cli import run
from tests.helpers import run_together, students, upload
from tests.registry_helpers import spec_sized_jpeg
from tests.review_helpers import passed_attempt

if TYPE_CHECKING:
    from tests.smtp_server import SmtpServer


OFFICE = "photo-office@university.example.edu"
SEED_WITH_X = 12  # the fifth student of this roster seed has an ID number ending in X


def collect(
    engine: Engine,
    settings: Settings,
    folder: Path,
    count: int,
    *,
    seed: int = SEED_WITH_X,
    done: bool = True,
) -> int:
    """`count` new students in the test batch, each with a spec JPEG of its own, collected (or, with
    `done=False`, still in manual review); returns the batch id."""
    roster = write_roster_workbook(folder / f"roster-{seed}.xlsx", students(count, seed=seed))
    batch_id = upload(engine, settings, roster).batch_id
    with session_scope(engine) as session:
        new = session.exec(
            select(StudentRecord).where(
                StudentRecord.batch_id == batch_id, StudentRecord.status == RecordStatus.AWAITING_PHOTO
            )
        ).all()
        for record in new:
            passed_attempt(session, settings, record, spec_sized_jpeg(record.id))
            if done:
                transition(session, record, RecordStatus.COLLECTED, actor="test")
    return batch_id


def spec_images(engine: Engine, settings: Settings) -> dict[int, Path]:
    """Each record's current spec JPEG, by record id."""
    with session_scope(engine) as session:
        found = {}
        for record_id in session.exec(select(StudentRecord.id)).all():
            attempt = latest_attempt(session, record_id)
            review = session.exec(select(AutoReview).where(AutoReview.attempt_id == attempt.id)).one()
            found[record_id] = settings.data_dir / review.spec_image_path
        return found


def records(engine: Engine, status: RecordStatus | None = None) -> list[StudentRecord]:
    statement = select(StudentRecord).order_by(col(StudentRecord.id))
    if status is not None:
        statement = statement.where(StudentRecord.status == status)
    with session_scope(engine) as session:
        return list(session.exec(statement).all())


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        return {name: archive.read(name) for name in archive.namelist()}


def packaged_ids(engine: Engine, package_id: int) -> set[str]:
    with session_scope(engine) as session:
        return set(
            session.exec(
                select(StudentRecord.id_number)
                .join(DownloadItem, col(DownloadItem.record_id) == StudentRecord.id)
                .where(DownloadItem.package_id == package_id)
            ).all()
        )


def configure(monkeypatch: pytest.MonkeyPatch, **values: object) -> Settings:
    """Settings as the deployment's environment gives them (the `settings` fixture's database)."""
    for name, value in values.items():
        monkeypatch.setenv(f"PHOTOFLOW_{name.upper()}", str(value))
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def mailbox(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> list[EmailMessage]:
    """Every message the test server accepts, whole: its `Received` keeps only the text part."""
    from tests.smtp_server import _Handler

    kept: list[EmailMessage] = []
    original = _Handler.handle_DATA

    async def keep(self: Any, server: Any, session: Any, envelope: Any) -> str:
        kept.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return await original(self, server, session, envelope)

    monkeypatch.setattr(_Handler, "handle_DATA", keep)
    return kept


def mail_settings(monkeypatch: pytest.MonkeyPatch, port: int, **extra: object) -> Settings:
    return configure(
        monkeypatch,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_sender="photos@photoflow.test",
        smtp_timeout_s=5,
        **extra,
    )


def test_a_package_holds_the_collected_and_registered_records_with_their_spec_jpegs_named_by_id(
    engine, settings, contract, tmp_path
):
    batch_id = collect(engine, settings, tmp_path, 5)
    with session_scope(engine) as session:
        registered = session.get(StudentRecord, records(engine)[0].id)
        transition(session, registered, RecordStatus.SUBMITTING, actor="test")
        transition(session, registered, RecordStatus.REGISTERED, actor="test")
    collect(engine, settings, tmp_path, 2, seed=13, done=False)  # still in review: not downloadable
    wanted = records(engine, RecordStatus.COLLECTED) + records(engine, RecordStatus.REGISTERED)
    assert len(wanted) == 5 and len(records(engine)) == 7

    listed = downloadable(engine, batch_id)
    assert sorted(row.record_id for row in listed) == sorted(r.id for r in wanted)
    assert {row.id_number for row in listed} == {idnumber.mask(r.id_number) for r in wanted}
    package = create_package(engine, settings, batch_id, actor="test-admin")

    assert (package.records, package.batch_id, package.created_by) == (5, batch_id, "test-admin")
    assert package.table_path.startswith(f"downloads/{batch_id}/") and package.email_delivered is None
    photos = spec_images(engine, settings)
    members = zip_members(settings.data_dir / package.photos_path)
    assert members == {f"{r.id_number}.jpg": photos[r.id].read_bytes() for r in wanted}
    assert package.size_bytes == sum(
        (settings.data_dir / path).stat().st_size for path in (package.table_path, package.photos_path)
    )


def test_the_information_table_has_chinese_headers_text_id_numbers_and_one_row_per_record(
    engine, settings, contract, tmp_path
):
    batch_id = collect(engine, settings, tmp_path, 5)
    package = create_package(engine, settings, batch_id, actor="test-admin")

    sheet = openpyxl.load_workbook(settings.data_dir / package.table_path).active
    header = [cell.value for cell in sheet[1]]
    assert header == [column.header for column in COLUMNS] + ["照片文件"]
    assert header[:4] == ["姓名", "证件号", "院校代码", "院校名称"]
    by_id = {r.id_number: r for r in records(engine)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 5 == len(by_id)
    id_at, photo_at, status_at = header.index("证件号"), header.index("照片文件"), header.index("采集状态")
    for row in rows:
        id_cell = row[id_at]
        assert isinstance(id_cell.value, str) and id_cell.number_format == "@"
        record = by_id[id_cell.value]
        assert row[0].value == record.name and row[photo_at].value == f"{record.id_number}.jpg"
        assert row[status_at].value == "采集完成"
    assert {row[id_at].value for row in rows} == set(by_id)
    assert any(number.endswith("X") for number in by_id)  # kept as typed, not a number Excel rounds


def test_each_record_is_downloaded_once_and_earlier_packages_stay_fetchable(
    engine, settings, contract, tmp_path
):
    batch_id = collect(engine, settings, tmp_path, 5)
    first = create_package(engine, settings, batch_id, actor="test-admin")
    assert downloadable(engine, batch_id) == []
    with pytest.raises(PhotoflowError, match=r"no records to download.*5 of its records"):
        create_package(engine, settings, batch_id, actor="test-admin")

    collect(engine, settings, tmp_path, 2, seed=13)  # two more students collected since
    assert len(downloadable(engine, batch_id)) == 2
    second = create_package(engine, settings, batch_id, actor="test-admin")

    later = {r.id_number for r in records(engine)[5:]}
    assert second.records == 2 and packaged_ids(engine, second.id) == later
    assert set(zip_members(settings.data_dir / second.photos_path)) == {f"{n}.jpg" for n in later}
    assert downloadable(engine, batch_id) == []
    assert [p.id for p in list_packages(engine, batch_id=batch_id)] == [second.id, first.id]
    again = package_files(engine, settings, first.id)
    assert Path(again.table_path).is_absolute() and again.records == 5
    earlier = {r.id_number for r in records(engine)[:5]}
    assert set(zip_members(Path(again.photos_path))) == {f"{n}.jpg" for n in earlier}
    with pytest.raises(PhotoflowError, match="no download package 999"):
        package_files(engine, settings, 999)


def test_two_creations_at_once_never_put_a_record_in_two_packages(
    engine, settings, contract, tmp_path, monkeypatch
):
    batch_id = collect(engine, settings, tmp_path, 5)
    both_written = threading.Barrier(2, timeout=30)
    write_files = packages._write_files

    def write_then_wait(*args: Any) -> Any:
        files = write_files(*args)
        both_written.wait()  # both chose the same records and wrote their files before either records them
        return files

    monkeypatch.setattr(packages, "_write_files", write_then_wait)
    outcomes: list[object] = []

    def create() -> None:
        try:
            outcomes.append(create_package(engine, settings, batch_id, actor="test-admin"))
        except PhotoflowError as error:
            outcomes.append(error)

    run_together(create, create)

    made = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(made) == 1 and made[0].records == 5
    assert len(refused) == 1 and "no records to download" in str(refused[0])
    with session_scope(engine) as session:
        items = session.exec(select(DownloadItem.record_id)).all()
        assert len(session.exec(select(DownloadPackage)).all()) == 1
    assert sorted(items) == sorted(r.id for r in records(engine))
    # the loser's files were removed: the batch's download folder holds the winner's only
    folders = list((settings.data_dir / "downloads" / str(batch_id)).iterdir())
    assert folders == [(settings.data_dir / made[0].table_path).parent]


def test_a_package_under_the_limit_is_e_mailed_with_both_files_attached(
    engine, settings, contract, tmp_path, monkeypatch, smtp_server, mailbox
):
    batch_id = collect(engine, settings, tmp_path, 3)
    mailing = mail_settings(monkeypatch, smtp_server.port)

    package = create_package(engine, mailing, batch_id, actor="test-admin", email=OFFICE)

    assert package.email_delivered is True and package.email_outcome.startswith("sent to ph***@")
    assert OFFICE not in package.email_outcome and package.emailed_to == "ph***@university.example.edu"
    [message] = mailbox
    assert message["To"] == OFFICE and f"package {package.id}" in message["Subject"]
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    [table_name] = [name for name in files if name.endswith(".xlsx")]
    [zip_name] = [name for name in files if name.endswith(".zip")]
    assert len(files) == 2
    assert files[table_name] == (mailing.data_dir / package.table_path).read_bytes()
    assert files[zip_name] == (mailing.data_dir / package.photos_path).read_bytes()
    [listed] = list_packages(engine, batch_id=batch_id)
    assert listed.email_outcome == package.email_outcome and listed.email_delivered is True


def test_a_package_over_the_limit_is_e_mailed_as_its_paths(
    engine, settings, contract, tmp_path, monkeypatch, smtp_server, mailbox
):
    batch_id = collect(engine, settings, tmp_path, 3)
    mailing = mail_settings(monkeypatch, smtp_server.port, download_attachment_max_bytes=10_000)

    package = create_package(engine, mailing, batch_id, actor="test-admin", email=OFFICE)

    assert package.size_bytes > 10_000 and package.email_delivered is True
    assert "attachment limit" in package.email_outcome
    [message] = mailbox
    assert list(message.iter_attachments()) == [] and message.get_content_type() == "text/plain"
    files = package_files(engine, mailing, package.id)
    [received] = smtp_server.messages
    assert files.table_path in received.body and files.photos_path in received.body


def test_with_the_mail_server_down_the_package_is_kept_and_the_outcome_says_so(
    engine, settings, contract, tmp_path, monkeypatch, closed_port
):
    batch_id = collect(engine, settings, tmp_path, 3)
    mailing = mail_settings(monkeypatch, closed_port)

    package = create_package(engine, mailing, batch_id, actor="test-admin", email=OFFICE)

    assert package.email_delivered is False and package.records == 3
    assert package.email_outcome.startswith("not sent to ph***@") and OFFICE not in package.email_outcome
    assert f"photoflow download get {package.id}" in package.email_outcome
    [listed] = list_packages(engine, batch_id=batch_id)
    assert listed.email_outcome == package.email_outcome and listed.email_delivered is False
    assert Path(package_files(engine, mailing, package.id).photos_path).is_file()
    assert downloadable(engine, batch_id) == []


def test_download_commands_list_create_show_records_and_get_the_files_again(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    batch_id = collect(engine, settings, tmp_path, 3)
    id_numbers = [r.id_number for r in records(engine)]

    code, out, _ = run(monkeypatch, capsys, "download", "list", "--batch", str(batch_id), "--json")
    assert code == 0 and len(json.loads(out)) == 3 and not any(n in out for n in id_numbers)
    code, out, _ = run(monkeypatch, capsys, "download", "create", "--batch", str(batch_id), "--json")
    created = json.loads(out)
    assert code == 0 and created["records"] == 3 and created["email_delivered"] is None
    code, out, _ = run(monkeypatch, capsys, "download", "list", "--batch", str(batch_id))
    assert code == 0 and "nothing to download" in out
    code, out, _ = run(monkeypatch, capsys, "download", "records", "--batch", str(batch_id), "--json")
    assert code == 0 and [p["id"] for p in json.loads(out)] == [created["id"]]
    code, out, _ = run(monkeypatch, capsys, "download", "get", str(created["id"]))
    table, photos = out.splitlines()
    assert code == 0 and table.endswith(".xlsx") and Path(photos).is_file()
    assert set(zip_members(Path(photos))) == {f"{n}.jpg" for n in id_numbers}

    collect(engine, settings, tmp_path, 1, seed=13)
    code, out, _ = run(monkeypatch, capsys, "download", "list", "--batch", str(batch_id))
    assert code == 0 and "1 record(s) to download" in out
    code, out, _ = run(monkeypatch, capsys, "download", "create", "--batch", str(batch_id))
    assert code == 0 and "1 record(s)" in out and "photos.zip" in out
    code, out, _ = run(monkeypatch, capsys, "download", "records")
    assert code == 0 and str(created["id"]) in out and str(created["id"] + 1) in out


def test_download_create_refuses_clearly_and_changes_nothing(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    batch_id = collect(engine, settings, tmp_path, 2, done=False)  # in review: nothing to download yet

    code, _, err = run(monkeypatch, capsys, "download", "create", "--batch", str(batch_id))
    assert code == 1 and "no records to download" in err and "collected or registered" in err
    code, _, err = run(monkeypatch, capsys, "download", "create", "--batch", "999")
    assert code == 1 and "no batch 999" in err
    code, _, err = run(monkeypatch, capsys, "download", "get", "999")
    assert code == 1 and "no download package 999" in err

    collect(engine, settings, tmp_path, 3, seed=13)  # three collected now, but ...
    create = ("download", "create", "--batch", str(batch_id))
    code, _, err = run(monkeypatch, capsys, *create, "--email", OFFICE)
    assert code == 1 and "PHOTOFLOW_SMTP_HOST" in err
    code, _, err = run(monkeypatch, capsys, *create, "--email", "office")
    assert code == 1 and "not an e-mail address" in err
    assert len(downloadable(engine, batch_id)) == 3 and list_packages(engine) == []
