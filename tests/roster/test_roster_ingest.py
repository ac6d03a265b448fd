"""Roster ingestion against a real database (SQLite and PostgreSQL): what is stored, refused and reported."""

from __future__ import annotations

import json
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from data_contracts.roster_columns import ROSTER_COLUMNS, ROSTER_FIELDS
from photoflow import state
from photoflow.errors import NoActiveContractError
from photoflow.roster import store as store_module
from photoflow.roster.uploads import delete_upload, list_uploads
from photoflow.roster.workbook import write_roster_workbook
from schemas.batches import RosterRowError, RosterUpload
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus, UploadStatus
from schemas.records import RecordEvent, StudentRecord
from tests.cli.test_cli import add_contract, upload_roster
from tests.compound_files import old_xls, password_protected_xlsx
from tests.helpers import students, upload

HEADERS = [column.header for column in ROSTER_COLUMNS]


def count(engine, table) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def codes_by_row(report) -> dict[int, str]:
    return {error.row: error.code for error in report.errors}


@pytest.mark.usefixtures("contract")
def test_every_bad_row_kind_is_refused_with_its_reason_and_the_rest_stored(engine, settings, tmp_path):
    rows = students(20)
    rows[1]["id_number"] = rows[1]["id_number"][:17] + ("0" if rows[1]["id_number"][17] != "0" else "1")
    rows[2]["id_number"] = "1.30121E+17"
    rows[4]["id_number"] = rows[0]["id_number"]
    rows[5]["name"] = None
    rows[6]["level"] = "硕士"
    rows[7]["entry_year"] = "22"
    rows[8]["institution_code"] = "10002"
    rows[9]["category"] = "成人高等教育"
    rows[10]["id_number"] = rows[10]["id_number"][:6] + "20010230" + rows[10]["id_number"][14:]
    rows[12]["id_number"] = rows[12]["id_number"].lower()
    rows[13]["email"] = "student at example.edu"
    rows[14]["email"] = None  # optional: the student's notices are kept for ops instead
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows, numeric_id_rows=frozenset({3}))

    report = upload(engine, settings, path)

    assert codes_by_row(report) == {
        3: "id_checksum",
        4: "id_stored_as_number",
        5: "id_stored_as_number",
        6: "duplicate_in_file",
        7: "missing_value",
        8: "not_in_list",
        9: "bad_format",
        10: "institution_mismatch",
        11: "category_mismatch",
        12: "id_birth_date",
        15: "bad_format",
    }
    assert (report.total, report.succeeded, report.failed, report.unchanged) == (20, 9, 11, 0)
    assert next(e for e in report.errors if e.row == 15).column == "电子邮箱"
    duplicate = next(e for e in report.errors if e.row == 6)
    assert "2" in duplicate.reason_en and duplicate.column == "证件号"
    assert count(engine, StudentRecord) == 9
    with session_scope(engine) as session:
        stored_ids = set(session.scalars(select(StudentRecord.id_number)))
        assert rows[12]["id_number"].upper() in stored_ids  # lower-case x normalised, not refused
        assert all(s.isupper() or s.isdigit() for s in stored_ids)
        assert session.scalars(select(RosterRowError.row)).all() == sorted(codes_by_row(report))


@pytest.mark.usefixtures("contract")
def test_error_report_excel_lists_each_failed_row_beside_the_upload(engine, settings, tmp_path):
    rows = students(5)
    rows[2]["name"] = None
    report = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", rows))

    report_file = settings.data_dir / report.error_report
    assert report_file.is_file()
    sheet = openpyxl.load_workbook(report_file).active
    lines = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert lines == [(4, "姓名", "", "必填项为空", "required value is empty", "Fill in this cell.")]


@pytest.mark.usefixtures("contract")
def test_reupload_of_fixed_roster_adds_only_previously_failed_rows(engine, settings, tmp_path):
    good = students(30)
    broken = [dict(r) for r in good]
    broken[4]["name"] = None
    broken[9]["id_number"] = broken[9]["id_number"][:17] + ("1" if broken[9]["id_number"][17] == "0" else "0")
    first = upload(engine, settings, write_roster_workbook(tmp_path / "a.xlsx", broken))
    assert (first.succeeded, first.failed) == (28, 2)

    second = upload(engine, settings, write_roster_workbook(tmp_path / "b.xlsx", good))

    assert (second.total, second.succeeded, second.unchanged, second.failed) == (30, 2, 28, 0)
    assert count(engine, StudentRecord) == 30
    assert count(engine, RecordEvent) == 30  # one creation event per record, none duplicated


@pytest.mark.usefixtures("contract")
def test_same_id_with_different_details_in_batch_is_refused_naming_the_earlier_upload(
    engine, settings, tmp_path
):
    rows = students(3)
    first = upload(engine, settings, write_roster_workbook(tmp_path / "a.xlsx", rows))
    changed = [dict(rows[1], name="改名字", student_number="X1")]

    second = upload(engine, settings, write_roster_workbook(tmp_path / "b.xlsx", changed))

    assert (second.succeeded, second.failed) == (0, 1)
    error = second.errors[0]
    assert error.code == "duplicate_in_batch"
    assert (
        f"upload {first.upload_id}" in error.reason_en
        and "姓名" in error.reason_en
        and "学号" in error.reason_en
    )
    with session_scope(engine) as session:
        assert (
            session.scalars(select(StudentRecord.name).where(StudentRecord.source_row == 3)).one()
            == rows[1]["name"]
        )


def test_upload_without_contract_is_refused(engine, settings, tmp_path):
    path = write_roster_workbook(tmp_path / "r.xlsx", students(2))
    with pytest.raises(NoActiveContractError, match="no contract"):
        upload(engine, settings, path)
    assert count(engine, RosterUpload) == 0


@pytest.mark.usefixtures("contract")
def test_upload_after_contract_expiry_is_refused(engine, settings, tmp_path):
    path = write_roster_workbook(tmp_path / "r.xlsx", students(2))
    with pytest.raises(NoActiveContractError, match="expired"):
        upload(engine, settings, path, today=date.today() + timedelta(days=400))
    with pytest.raises(NoActiveContractError, match="no contract"):
        upload(engine, settings, path, category=EducationCategory.ADULT)


@pytest.mark.usefixtures("contract")
def test_refused_file_is_recorded_with_its_reason_and_adds_nothing(engine, settings, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("名字,证件号\n张三,11010519491231002X\n", encoding="utf-8")

    report = upload(engine, settings, path)

    assert report.status == UploadStatus.REJECTED.value
    assert "姓名" in report.error_message and "名字" in report.error_message
    assert count(engine, StudentRecord) == 0
    with session_scope(engine) as session:
        assert [u.status for u in list_uploads(session)] == ["rejected"]


@pytest.mark.usefixtures("contract")
def test_formula_cell_is_refused_naming_it_and_its_row_is_not_stored(engine, settings, tmp_path):
    rows = students(3)
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append([row.get(field) for field in ROSTER_FIELDS])
    book.active["J3"] = "=1+1"  # no saved result: before, the department was stored empty
    book.save(path)

    report = upload(engine, settings, path)

    (error,) = report.errors
    assert (error.row, error.column, error.code) == (3, "院系", "formula_cell")
    assert "J3" in error.reason and "J3" in error.reason_en and "Paste Special > Values" in error.hint
    assert (report.total, report.succeeded, report.failed) == (3, 2, 1)
    with session_scope(engine) as session:
        assert set(session.scalars(select(StudentRecord.source_row))) == {2, 4}
    sheet = openpyxl.load_workbook(settings.data_dir / report.error_report).active
    assert [cell.value for cell in sheet[3]][:2] == [3, "院系"] and "J3" in sheet["E3"].value


@pytest.mark.usefixtures("contract")
@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("名单.xlsx", password_protected_xlsx(), "is password-protected: open it in Excel, remove the"),
        ("名单.xls", old_xls(), "is an old .xls workbook: save it as .xlsx"),
    ],
)
def test_compound_files_are_refused_for_what_they_are(engine, settings, tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)

    report = upload(engine, settings, path)

    assert report.status == UploadStatus.REJECTED.value
    assert report.error_message.startswith(f"{name}: {said}")
    assert str(settings.data_dir) not in report.error_message


@pytest.mark.usefixtures("contract")
def test_xlsx_renamed_xls_is_stored_like_the_xlsx(engine, settings, tmp_path):
    report = upload(engine, settings, write_roster_workbook(tmp_path / "名单.xls", students(4)))

    assert (report.status, report.total, report.succeeded, report.failed) == ("accepted", 4, 4, 0)
    assert count(engine, StudentRecord) == 4


@pytest.mark.usefixtures("contract")
def test_failure_while_storing_leaves_nothing_half_written(engine, settings, tmp_path, monkeypatch):
    rows = students(10)
    rows[0]["name"] = None

    def broken_report(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_error_report", broken_report)
    with pytest.raises(OSError, match="disk full"):
        upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", rows))

    assert count(engine, StudentRecord) == 0
    assert count(engine, RecordEvent) == 0
    assert count(engine, RosterUpload) == 0
    assert count(engine, RosterRowError) == 0


@pytest.mark.usefixtures("contract")
def test_delete_upload_removes_records_without_photo_and_keeps_the_rest(engine, settings, tmp_path):
    report = upload(engine, settings, write_roster_workbook(tmp_path / "r.xlsx", students(4)))
    with session_scope(engine) as session:
        record = session.scalars(select(StudentRecord).where(StudentRecord.source_row == 3)).one()
        state.transition(session, record, RecordStatus.IN_AUTO_REVIEW, actor="student", reason="photo taken")
        kept_id = record.id

    with session_scope(engine) as session:
        deletion = delete_upload(session, report.upload_id, actor="test-admin")

    assert deletion.removed == 3
    assert [k.record_id for k in deletion.kept] == [kept_id]
    assert deletion.kept[0].status == "in_auto_review" and "*" in deletion.kept[0].id_number
    with session_scope(engine) as session:
        assert session.scalars(select(StudentRecord.id)).all() == [kept_id]
        upload_row = session.get(RosterUpload, report.upload_id)
        assert upload_row.status is UploadStatus.DELETED and upload_row.deleted_by == "test-admin"

    again = upload(engine, settings, write_roster_workbook(tmp_path / "again.xlsx", students(4)))
    assert (again.succeeded, again.unchanged) == (3, 1)


@pytest.mark.usefixtures("contract")
def test_ten_thousand_row_roster_is_ingested_completely(engine, settings, tmp_path):
    rows = students(10_000, seed=11)
    rows[5000]["id_number"] = rows[10]["id_number"]

    report = upload(engine, settings, write_roster_workbook(tmp_path / "big.xlsx", rows))

    assert (report.total, report.succeeded, report.failed) == (10_000, 9_999, 1)
    assert report.errors[0].row == 5002 and report.errors[0].code == "duplicate_in_file"
    assert count(engine, StudentRecord) == 9_999
    assert count(engine, RecordEvent) == 9_999


def test_a_folder_given_as_the_roster_is_called_a_folder(monkeypatch, capsys, settings, tmp_path):
    folder = tmp_path / "名单"
    folder.mkdir()

    code, _, err = upload_roster(monkeypatch, capsys, folder, "--category", "regular")

    assert code == 1
    assert f"{folder}: is a folder, not a roster file" in err and "no such file" not in err


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_upload_command_names_a_password_and_reads_an_xlsx_renamed_xls(
    monkeypatch, capsys, settings, tmp_path
):
    add_contract(monkeypatch, capsys)
    locked = tmp_path / "名单.xlsx"
    locked.write_bytes(password_protected_xlsx())
    renamed = write_roster_workbook(tmp_path / "名单.xls", students(2))

    code, out, err = upload_roster(monkeypatch, capsys, locked, "--category", "regular")
    assert code == 1 and "名单.xlsx: is password-protected" in out + err and "old .xls" not in out + err
    code, out, err = upload_roster(monkeypatch, capsys, renamed, "--category", "regular", "--json")
    assert code == 0, out + err
    assert (json.loads(out)["status"], json.loads(out)["succeeded"]) == ("accepted", 2)
    assert str(settings.data_dir) not in out + err and "Traceback" not in out + err
