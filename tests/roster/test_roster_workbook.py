"""The roster template (headers, text ID column, drop-downs), filled rosters, and the error report."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from data_contracts.roster_columns import COLUMNS_BY_FIELD, ROSTER_COLUMNS
from photoflow.roster.error_report import HEADERS as REPORT_HEADERS
from photoflow.roster.error_report import write_error_report
from photoflow.roster.problems import RowProblem
from photoflow.roster.reader import read_roster
from photoflow.roster.row_checks import UploadContext, check_roster
from photoflow.roster.workbook import SHEET_NAME, write_roster_workbook
from photoflow.sandbox.sample_rosters import generate_rows
from schemas.enums import EducationCategory, EducationLevel
from schemas.reasons import RosterProblem

HEADERS = [column.header for column in ROSTER_COLUMNS]
ID_LETTER = get_column_letter(HEADERS.index("证件号") + 1)


def sample_rows(count: int) -> list[dict[str, str]]:
    return generate_rows(
        count, institution_code="10001", institution_name="北京大学", category=EducationCategory.REGULAR
    )


def only_sheet(path: Path) -> Worksheet:
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.worksheets) == 1
    return workbook.worksheets[0]


def validations_by_column(sheet: Worksheet) -> dict[str, object]:
    found = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            found[get_column_letter(cell_range.min_col)] = validation
    return found


# --- the blank template -------------------------------------------------------------------------


def test_template_headers_are_the_contract_headers_in_order(tmp_path: Path) -> None:
    sheet = only_sheet(write_roster_workbook(tmp_path / "template.xlsx"))

    assert sheet.title == SHEET_NAME
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row == 1


def test_template_id_column_is_formatted_as_text(tmp_path: Path) -> None:
    sheet = only_sheet(write_roster_workbook(tmp_path / "template.xlsx"))

    assert sheet.column_dimensions[ID_LETTER].number_format == "@"
    assert sheet[f"{ID_LETTER}1"].number_format == "@"


def test_template_offers_drop_downs_for_category_and_level(tmp_path: Path) -> None:
    sheet = only_sheet(write_roster_workbook(tmp_path / "template.xlsx"))
    validations = validations_by_column(sheet)

    for field, enum in (("category", EducationCategory), ("level", EducationLevel)):
        letter = get_column_letter(HEADERS.index(COLUMNS_BY_FIELD[field].header) + 1)
        validation = validations[letter]
        assert validation.type == "list", field
        choices = validation.formula1.strip('"').split(",")
        assert choices == [member.zh for member in enum], field
        assert f"{letter}2" in validation.sqref


def test_template_limits_the_id_column_to_18_characters(tmp_path: Path) -> None:
    sheet = only_sheet(write_roster_workbook(tmp_path / "template.xlsx"))
    validation = validations_by_column(sheet)[ID_LETTER]
    assert validation.type == "textLength"
    assert validation.operator == "equal"
    assert validation.formula1 == "18"


def test_template_has_a_validation_on_every_column(tmp_path: Path) -> None:
    sheet = only_sheet(write_roster_workbook(tmp_path / "template.xlsx"))
    assert sorted(validations_by_column(sheet)) == sorted(
        get_column_letter(i + 1) for i in range(len(HEADERS))
    )


# --- filled rosters -----------------------------------------------------------------------------


def test_filled_template_keeps_ids_as_text(tmp_path: Path) -> None:
    rows = sample_rows(4)
    sheet = only_sheet(write_roster_workbook(tmp_path / "roster.xlsx", rows))

    ids = [sheet[f"{ID_LETTER}{line}"] for line in range(2, 6)]
    assert [cell.value for cell in ids] == [row["id_number"] for row in rows]
    assert all(cell.data_type == "s" for cell in ids)


def test_numeric_id_rows_are_written_as_numbers(tmp_path: Path) -> None:
    rows = [row for row in sample_rows(6) if not row["id_number"].endswith("X")][:3]
    sheet = only_sheet(write_roster_workbook(tmp_path / "roster.xlsx", rows, numeric_id_rows=frozenset({1})))

    assert sheet[f"{ID_LETTER}2"].data_type == "s"
    assert sheet[f"{ID_LETTER}3"].data_type == "n"
    assert sheet[f"{ID_LETTER}4"].data_type == "s"


def test_filled_template_reads_back_with_no_problems(tmp_path: Path) -> None:
    rows = sample_rows(50)
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)
    table = read_roster(path, file_name="roster.xlsx", max_bytes=10 * 1024 * 1024, max_rows=1000)
    context = UploadContext(
        batch_id=1,
        institution_code="10001",
        institution_name="北京大学",
        category=EducationCategory.REGULAR,
        learning_centre="",
        today=datetime.date(2026, 11, 22),
    )

    checked = check_roster(table, context)

    assert checked.problems == []
    assert checked.accepted.height == 50
    assert checked.accepted["name"].to_list() == [row["name"] for row in rows]


# --- the error report ---------------------------------------------------------------------------


def test_error_report_lists_row_column_value_and_both_languages(tmp_path: Path) -> None:
    problems = [
        RowProblem(3, "id_number", "1.30121E+17", RosterProblem.ID_STORED_AS_NUMBER),
        RowProblem(3, "entry_year", "22", RosterProblem.BAD_FORMAT, detail="4 位年份"),
        RowProblem(7, "name", None, RosterProblem.MISSING_VALUE),
    ]

    path = write_error_report(tmp_path / "errors.xlsx", "名单.xlsx", problems)

    sheet = only_sheet(path)
    title = sheet["A1"].value
    assert "名单.xlsx" in title
    assert re.search(r"\b2\b", title), "two rows not imported"
    assert [cell.value for cell in sheet[2]] == list(REPORT_HEADERS)
    lines = [[cell.value for cell in line] for line in sheet.iter_rows(min_row=3)]
    assert len(lines) == 3
    for line, problem in zip(lines, problems, strict=True):
        row, header, value, reason_zh, reason_en, hint = line
        zh, en, fix = problem.problem.zh, problem.problem.en, problem.problem.hint
        assert row == problem.row
        assert header == COLUMNS_BY_FIELD[problem.field].header
        assert (value or None) == problem.value
        assert reason_zh.startswith(zh)
        assert reason_en.startswith(en)
        assert hint == fix
    assert lines[1][3].endswith("（4 位年份）")
    assert lines[1][4].endswith("(4 位年份)")


def test_error_report_from_a_real_check_names_excel_rows(tmp_path: Path) -> None:
    rows = sample_rows(4)
    rows[2] = rows[2] | {"level": "硕士"}
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)
    table = read_roster(path, file_name="roster.xlsx", max_bytes=10 * 1024 * 1024, max_rows=100)
    context = UploadContext(
        1, "10001", "北京大学", EducationCategory.REGULAR, "", datetime.date(2026, 11, 22)
    )
    checked = check_roster(table, context)

    report = write_error_report(tmp_path / "errors.xlsx", "roster.xlsx", checked.problems)

    sheet = only_sheet(report)
    assert [cell.value for cell in sheet[3]][:3] == [4, "学历层次", "硕士"]
    assert sheet.max_row == 3


def test_empty_error_report_still_has_its_headers(tmp_path: Path) -> None:
    sheet = only_sheet(write_error_report(tmp_path / "errors.xlsx", "roster.csv", []))
    assert "roster.csv" in sheet["A1"].value
    assert [cell.value for cell in sheet[2]] == list(REPORT_HEADERS)
    assert sheet.max_row == 2
