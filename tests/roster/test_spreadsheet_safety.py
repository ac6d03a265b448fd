"""Text a spreadsheet would run as a formula is stored as given and written defused (a leading `'`)
to every Excel and CSV file: the export, the download table, the print manifest, the roster's
errors.xlsx and the report's CSVs; on SQLite and PostgreSQL. Files are read back as people open them."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from sqlmodel import select

from data_contracts.roster_columns import COLUMNS_BY_FIELD
from photoflow.analytics.report import write_report
from photoflow.downloads.packages import create_package
from photoflow.exports.jobs import request_export, run_export
from photoflow.printing.orders import build_order, request_print
from photoflow.records_filter import RecordFilter
from photoflow.roster.workbook import write_roster_workbook
from photoflow.spreadsheet_safety import defused, defused_text_columns
from photoflow.state import transition
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.helpers import students, upload
from tests.registry_helpers import spec_sized_jpeg
from tests.review_helpers import passed_attempt

# What a roster may hold in its free-text columns; each one a spreadsheet would otherwise run.
GIVEN = {
    "name": '=HYPERLINK("http://evil.example","点我")',
    "institution_name": "@SUM(1+1)",
    "department": "=1+1",
    "major": "+86 英语",
    "class_name": "-3班",
    "student_number": "-12",
}


def test_only_text_a_spreadsheet_would_run_gets_the_quote() -> None:
    for text in ("=1+1", "+86", "-3", "@SUM(1)", "\t=1", "\r=1"):
        assert defused(text) == "'" + text
    for text in ("1=1", "计算机学院", "", "'=1", " =1"):
        assert defused(text) == text


def test_text_columns_of_a_frame_are_defused_and_numbers_left_as_numbers() -> None:
    frame = pl.DataFrame({"name": ["=1+1", "学院", None], "delta": [-3, 4, 5], "rate": [-0.5, 0.1, None]})

    out = defused_text_columns(frame)

    assert out["name"].to_list() == ["'=1+1", "学院", None]
    assert out["delta"].to_list() == [-3, 4, 5] and out["rate"].to_list() == [-0.5, 0.1, None]
    assert out.schema == frame.schema


@pytest.fixture
def batch_id(engine, settings, contract, tmp_path) -> int:
    """Three collected students; the first holds every formula-looking value of GIVEN."""
    rows = students(3, seed=21)
    rows[0].update(GIVEN)
    for row in rows[1:]:
        row["institution_name"] = GIVEN["institution_name"]  # one institution name for the report
    report = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", rows))
    assert report.failed == 0, report.errors
    with session_scope(engine) as session:
        for record in session.exec(select(StudentRecord).where(StudentRecord.batch_id == report.batch_id)):
            passed_attempt(session, settings, record, spec_sized_jpeg(record.id))
            transition(session, record, RecordStatus.COLLECTED, actor="test")
    return report.batch_id


def first_record(engine) -> StudentRecord:
    with session_scope(engine) as session:
        record = session.exec(select(StudentRecord).order_by(StudentRecord.source_row)).first()
        session.expunge(record)
        return record


def rows_by_header(path: Path) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def assert_defused(rows: list[dict[str, object]], record: StudentRecord) -> None:
    """The first student's row shows each given value defused; the ID number and year are as stored."""
    row = next(r for r in rows if r["证件号"] == record.id_number)
    for field, value in GIVEN.items():
        header = COLUMNS_BY_FIELD[field].header
        assert row[header] == "'" + value, header
    assert row["入学年份"] == record.entry_year and isinstance(row["入学年份"], int)
    other = next(r for r in rows if r["证件号"] != record.id_number)
    assert not str(other["姓名"]).startswith("'") and not str(other["院系"]).startswith("'")


def test_formula_looking_values_are_stored_as_given(engine, batch_id) -> None:
    record = first_record(engine)
    assert {field: getattr(record, field) for field in GIVEN} == GIVEN


def test_the_export_workbook_defuses_them(engine, settings, batch_id) -> None:
    wanted = RecordFilter(batch_id=batch_id)
    done = run_export(engine, settings, request_export(engine, batch_id, wanted, actor="test-admin").id)

    assert_defused(rows_by_header(settings.data_dir / done.path), first_record(engine))


def test_the_download_information_table_defuses_them(engine, settings, batch_id) -> None:
    package = create_package(engine, settings, batch_id, actor="test-admin")

    rows = rows_by_header(settings.data_dir / package.table_path)

    assert_defused(rows, first_record(engine))
    assert {str(r["照片文件"]) for r in rows} == {f"{r['证件号']}.jpg" for r in rows}  # the app's own: as is


def test_the_print_manifest_defuses_them(engine, settings, batch_id) -> None:
    wanted = RecordFilter(batch_id=batch_id)
    order_id = request_print(
        engine, wanted, split_by=(), layout="one_inch", address="北京市 1 号", actor="ops"
    )

    built = build_order(engine, settings, order_id)

    (sub,) = built.sub_packages
    rows = rows_by_header(Path(sub.manifest_path))
    assert_defused(rows, first_record(engine))
    assert sorted(r["位置 Place"] for r in rows) == [1, 2, 3]


def test_the_roster_error_report_defuses_the_refused_value_and_the_file_name(
    engine, settings, contract, tmp_path
):
    rows = students(2, seed=22)
    rows[1]["entry_year"] = "=2020+2"
    report = upload(engine, settings, write_roster_workbook(tmp_path / "=名单.xlsx", rows))

    sheet = openpyxl.load_workbook(settings.data_dir / report.error_report).active

    assert sheet["A1"].value.startswith("'=名单.xlsx: 1 行未导入")
    assert [cell.value for cell in sheet[3]][:3] == [3, "入学年份", "'=2020+2"]
    assert report.errors[0].value == "=2020+2"  # the database keeps what the roster said


def test_the_report_csv_defuses_text_and_leaves_numbers_and_parquet_alone(engine, batch_id, tmp_path) -> None:
    write_report(engine, tmp_path / "csv", fmt="csv")
    write_report(engine, tmp_path / "parquet", fmt="parquet")

    with (tmp_path / "csv" / "reshoot_rates.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["institution_name"] == "'" + GIVEN["institution_name"]
    assert (row["records"], row["records_reshot"]) == ("3", "0")
    kept = pl.read_parquet(tmp_path / "parquet" / "reshoot_rates.parquet")
    assert kept["institution_name"].to_list() == [GIVEN["institution_name"]]
