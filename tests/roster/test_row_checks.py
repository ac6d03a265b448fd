"""Every row check, through the real reader and the real GX suite: right code, right row, right column."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import xlsxwriter

from data_contracts.roster_columns import ROSTER_COLUMNS, ROSTER_FIELDS
from photoflow import idnumber
from photoflow.roster.problems import RowProblem, keep_first_per_cell
from photoflow.roster.reader import RosterTable, read_roster
from photoflow.roster.row_checks import CheckedRoster, UploadContext, check_roster
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.sample_rosters import generate_rows
from schemas.enums import EducationCategory
from schemas.reasons import RosterProblem

TODAY = datetime.date(2026, 11, 22)
INSTITUTION_CODE = "10001"
INSTITUTION_NAME = "北京大学"
HEADERS = [column.header for column in ROSTER_COLUMNS]


def sample_rows(count: int, seed: int = 11) -> list[dict[str, str | None]]:
    rows = generate_rows(
        count,
        institution_code=INSTITUTION_CODE,
        institution_name=INSTITUTION_NAME,
        category=EducationCategory.REGULAR,
        seed=seed,
    )
    return [dict(row) for row in rows]


def context(learning_centre: str = "") -> UploadContext:
    return UploadContext(
        batch_id=1,
        institution_code=INSTITUTION_CODE,
        institution_name=INSTITUTION_NAME,
        category=EducationCategory.REGULAR,
        learning_centre=learning_centre,
        today=TODAY,
    )


def check(
    tmp_path: Path,
    rows: Sequence[Mapping[str, str | None]],
    *,
    numeric_id_rows: frozenset[int] = frozenset(),
    learning_centre: str = "",
) -> CheckedRoster:
    """Write `rows` into the template (row i lands on Excel row i + 2), read it back and check it."""
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows, numeric_id_rows=numeric_id_rows)
    return check_roster(read_back(path), context(learning_centre))


def read_back(path: Path) -> RosterTable:
    return read_roster(path, file_name="roster.xlsx", max_bytes=10 * 1024 * 1024, max_rows=10_000)


def problems_at(checked: CheckedRoster, row: int) -> list[tuple[str, RosterProblem]]:
    return [(p.field, p.problem) for p in checked.problems if p.row == row]


def only_problem(checked: CheckedRoster) -> RowProblem:
    assert len(checked.problems) == 1, checked.problems
    return checked.problems[0]


def accepted_rows(checked: CheckedRoster) -> list[int]:
    return checked.accepted["row"].to_list()


def id_with_check_char(first17: str) -> str:
    return first17 + idnumber.check_char(first17)


def id_ending_in_x() -> str:
    for serial in range(1000):
        candidate = id_with_check_char(f"11010520000101{serial:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no ID ending in X found")


# --- clean rosters ------------------------------------------------------------------------------


def test_generated_rows_have_no_problems_and_are_all_accepted(tmp_path: Path) -> None:
    rows = sample_rows(20)
    checked = check(tmp_path, rows)

    assert checked.problems == []
    assert checked.failed_rows == set()
    assert accepted_rows(checked) == list(range(2, 22))
    assert checked.accepted["id_number"].to_list() == [row["id_number"] for row in rows]


def test_accepted_rows_store_enum_values_and_typed_years(tmp_path: Path) -> None:
    checked = check(tmp_path, sample_rows(5))

    assert set(checked.accepted["category"].to_list()) == {"regular"}
    assert set(checked.accepted["level"].to_list()) == {"bachelor"}
    assert checked.accepted["entry_year"].dtype.is_integer()
    assert set(checked.accepted["entry_year"].to_list()) <= {2021, 2022}


def test_empty_institution_and_category_columns_are_filled_from_the_upload(tmp_path: Path) -> None:
    rows = sample_rows(3)
    for row in rows:
        row.update(institution_code=None, institution_name=None, category=None)

    checked = check(tmp_path, rows)

    assert checked.problems == []
    assert checked.accepted["institution_code"].to_list() == [INSTITUTION_CODE] * 3
    assert checked.accepted["institution_name"].to_list() == [INSTITUTION_NAME] * 3
    assert checked.accepted["category"].to_list() == ["regular"] * 3
    assert checked.accepted["level"].to_list() == ["bachelor"] * 3


def test_empty_learning_centre_is_filled_from_the_upload_when_it_has_one(tmp_path: Path) -> None:
    checked = check(tmp_path, sample_rows(2), learning_centre="东校区")
    assert checked.problems == []
    assert checked.accepted["learning_centre"].to_list() == ["东校区", "东校区"]


def test_lower_case_x_id_is_accepted_and_stored_upper_case(tmp_path: Path) -> None:
    id_number = id_ending_in_x()
    rows = sample_rows(2)
    rows[1]["id_number"] = id_number.lower()

    checked = check(tmp_path, rows)

    assert checked.problems == []
    assert checked.accepted.filter(checked.accepted["row"] == 3)["id_number"].to_list() == [id_number]


# --- one problem kind at a time -----------------------------------------------------------------


def test_missing_required_value_is_reported_on_its_cell(tmp_path: Path) -> None:
    rows = sample_rows(4)
    rows[2]["name"] = None

    checked = check(tmp_path, rows)

    problem = only_problem(checked)
    assert (problem.row, problem.field, problem.problem) == (4, "name", RosterProblem.MISSING_VALUE)
    assert problem.header == "姓名"
    assert problem.value is None
    assert accepted_rows(checked) == [2, 3, 5]


def test_whitespace_only_required_value_counts_as_missing(tmp_path: Path) -> None:
    rows = sample_rows(2)
    rows[0]["level"] = "   "
    problem = only_problem(check(tmp_path, rows))
    assert (problem.row, problem.field, problem.problem) == (2, "level", RosterProblem.MISSING_VALUE)


@pytest.mark.parametrize(
    ("index", "field", "value", "expected", "header"),
    [
        pytest.param(1, "department", "院" * 101, RosterProblem.TOO_LONG, "院系", id="too long value"),
        pytest.param(2, "entry_year", "22", RosterProblem.BAD_FORMAT, "入学年份", id="two-digit entry year"),
        pytest.param(0, "level", "硕士", RosterProblem.NOT_IN_LIST, "学历层次", id="level outside the list"),
        pytest.param(
            1,
            "id_number",
            "1.30121E+17",
            RosterProblem.ID_STORED_AS_NUMBER,
            "证件号",
            id="scientific notation text id is stored as number, not a checksum error",
        ),
        pytest.param(
            1,
            "institution_code",
            "99999",
            RosterProblem.INSTITUTION_MISMATCH,
            "院校代码",
            id="other institution",
        ),
        pytest.param(
            2,
            "category",
            EducationCategory.ADULT.zh,
            RosterProblem.CATEGORY_MISMATCH,
            "学历类别",
            id="other category",
        ),
    ],
)
def test_one_wrong_cell_is_its_only_problem_with_its_value_and_header(
    tmp_path: Path, index: int, field: str, value: str, expected: RosterProblem, header: str
) -> None:
    rows = sample_rows(3)
    rows[index][field] = value

    problem = only_problem(check(tmp_path, rows))

    assert (problem.row, problem.field, problem.problem, problem.value) == (index + 2, field, expected, value)
    assert problem.header == header


@pytest.mark.parametrize(
    ("field", "value"),
    [("institution_code", "1000A"), ("exam_number", "22-001"), ("student_number", "2022 01/3")],
)
def test_values_outside_their_pattern_have_bad_format(tmp_path: Path, field: str, value: str) -> None:
    rows = sample_rows(2)
    rows[0][field] = value
    problem = only_problem(check(tmp_path, rows))
    assert (problem.row, problem.field, problem.problem) == (2, field, RosterProblem.BAD_FORMAT)


@pytest.mark.parametrize(
    ("index", "field", "value", "problem"),
    [
        (1, "category", "全日制", RosterProblem.NOT_IN_LIST),
        (1, "id_number", "11010519491231", RosterProblem.BAD_FORMAT),
    ],
    ids=["unknown_category_is_not_in_list", "short_id_is_bad_format_once"],
)
def test_one_bad_cell_is_reported_once_with_its_problem(
    tmp_path: Path, index: int, field: str, value: str, problem: RosterProblem
) -> None:
    rows = sample_rows(2)
    rows[index][field] = value
    checked = check(tmp_path, rows)
    assert problems_at(checked, index + 2) == [(field, problem)]  # sheet row: the header is row 1


def test_numeric_id_cell_is_refused_never_rounded(tmp_path: Path) -> None:
    rows = [row for row in sample_rows(8) if not str(row["id_number"]).endswith("X")][:4]

    checked = check(tmp_path, rows, numeric_id_rows=frozenset({2}))

    problem = only_problem(checked)
    assert (problem.row, problem.field, problem.problem) == (
        4,
        "id_number",
        RosterProblem.ID_STORED_AS_NUMBER,
    )
    assert 4 not in accepted_rows(checked)
    assert accepted_rows(checked) == [2, 3, 5]


def test_wrong_check_character_is_an_id_checksum_problem(tmp_path: Path) -> None:
    rows = sample_rows(3)
    good = str(rows[2]["id_number"])
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    rows[2]["id_number"] = wrong

    problem = only_problem(check(tmp_path, rows))

    assert (problem.row, problem.field, problem.problem, problem.value) == (
        4,
        "id_number",
        RosterProblem.ID_CHECKSUM,
        wrong,
    )
    assert good[17] in problem.detail


def test_impossible_birth_date_is_an_id_birth_date_problem(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[0]["id_number"] = id_with_check_char("11010520000230123")  # 30 February 2000

    problem = only_problem(check(tmp_path, rows))

    assert (problem.row, problem.field, problem.problem) == (2, "id_number", RosterProblem.ID_BIRTH_DATE)


def test_birth_date_after_today_is_an_id_birth_date_problem(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[1]["id_number"] = id_with_check_char("11010520270101123")

    problem = only_problem(check(tmp_path, rows))

    assert (problem.row, problem.field, problem.problem) == (3, "id_number", RosterProblem.ID_BIRTH_DATE)


def test_entry_year_after_this_year_is_a_future_year(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[0]["entry_year"] = "2027"
    rows[1]["entry_year"] = "2026"

    checked = check(tmp_path, rows)

    problem = only_problem(checked)
    assert (problem.row, problem.field, problem.problem, problem.value) == (
        2,
        "entry_year",
        RosterProblem.FUTURE_YEAR,
        "2027",
    )
    assert accepted_rows(checked) == [3, 4]


def text_sheet(
    path: Path, rows: Sequence[Mapping[str, str | None]]
) -> tuple[xlsxwriter.Workbook, xlsxwriter.worksheet.Worksheet]:
    """Headers and `rows` as text cells from A1; the caller changes cells and closes the workbook."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名单")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        for c, field in enumerate(ROSTER_FIELDS):
            if row.get(field) is not None:
                sheet.write_string(r, c, str(row[field]))
    return workbook, sheet


def test_merged_cells_fail_every_row_they_cover(tmp_path: Path) -> None:
    rows = sample_rows(5)
    path = tmp_path / "roster.xlsx"
    workbook, sheet = text_sheet(path, rows)
    department = HEADERS.index("院系")
    sheet.merge_range(2, department, 3, department, str(rows[1]["department"]))  # J3:J4
    workbook.close()

    checked = check_roster(read_back(path), context())

    assert [(p.row, p.field, p.problem) for p in checked.problems] == [
        (3, "department", RosterProblem.MERGED_CELL),
        (4, "department", RosterProblem.MERGED_CELL),
    ]
    assert all("J3:J4" in p.detail for p in checked.problems)
    assert accepted_rows(checked) == [2, 5, 6]


def test_formula_cells_fail_their_rows_naming_the_cell(tmp_path: Path) -> None:
    rows = sample_rows(4)
    path = tmp_path / "roster.xlsx"
    workbook, sheet = text_sheet(path, rows)  # a formula written later replaces the cell's text
    sheet.write_formula("J4", "=1+1", None, "")  # saved with an empty result, as some programs do
    sheet.write_formula("B5", f'="{rows[3]["id_number"][:9]}"&"{rows[3]["id_number"][9:]}"')
    workbook.close()

    checked = check_roster(read_back(path), context())

    assert [(p.row, p.field, p.problem, p.detail) for p in checked.problems] == [
        (4, "department", RosterProblem.FORMULA_CELL, "J4"),
        (5, "id_number", RosterProblem.FORMULA_CELL, "B5"),
    ]
    assert "J4" in checked.problems[0].reason_en and "formula" in checked.problems[0].reason_en
    assert "公式" in checked.problems[0].reason_zh
    assert accepted_rows(checked) == [2, 3]


def test_other_learning_centre_is_a_mismatch_when_the_upload_names_one(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[0]["learning_centre"] = "西校区"
    rows[1]["learning_centre"] = "东校区"

    checked = check(tmp_path, rows, learning_centre="东校区")

    problem = only_problem(checked)
    assert (problem.row, problem.field, problem.problem, problem.value) == (
        2,
        "learning_centre",
        RosterProblem.LEARNING_CENTRE_MISMATCH,
        "西校区",
    )
    assert checked.accepted["learning_centre"].to_list() == ["东校区", "东校区"]


def test_learning_centre_is_free_when_the_upload_names_none(tmp_path: Path) -> None:
    rows = sample_rows(2)
    rows[0]["learning_centre"] = "西校区"
    checked = check(tmp_path, rows)
    assert checked.problems == []
    assert checked.accepted["learning_centre"].to_list() == ["西校区", None]


def test_repeated_id_keeps_the_first_occurrence_and_names_it(tmp_path: Path) -> None:
    rows = sample_rows(6)
    rows[3]["id_number"] = rows[1]["id_number"]  # Excel row 5 repeats row 3
    rows[5]["id_number"] = rows[1]["id_number"]  # and so does row 7

    checked = check(tmp_path, rows)

    assert [(p.row, p.field, p.problem) for p in checked.problems] == [
        (5, "id_number", RosterProblem.DUPLICATE_IN_FILE),
        (7, "id_number", RosterProblem.DUPLICATE_IN_FILE),
    ]
    assert all("3" in p.detail for p in checked.problems)
    assert all(p.value == rows[1]["id_number"] for p in checked.problems)
    assert accepted_rows(checked) == [2, 3, 4, 6]


def test_ids_differing_only_in_case_of_x_are_duplicates(tmp_path: Path) -> None:
    id_number = id_ending_in_x()
    rows = sample_rows(3)
    rows[0]["id_number"] = id_number
    rows[2]["id_number"] = id_number.lower()

    checked = check(tmp_path, rows)

    problem = only_problem(checked)
    assert (problem.row, problem.problem, problem.value) == (4, RosterProblem.DUPLICATE_IN_FILE, id_number)
    assert "2" in problem.detail


# --- one problem per cell -----------------------------------------------------------------------


def test_numeric_id_cell_reports_only_stored_as_number(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[1]["id_number"] = "110105491231002"  # a 15-digit number: wrong length and shape as well

    checked = check(tmp_path, rows, numeric_id_rows=frozenset({1}))

    assert problems_at(checked, 3) == [("id_number", RosterProblem.ID_STORED_AS_NUMBER)]
    assert len(checked.problems) == 1


def test_too_long_id_reports_too_long_not_bad_format(tmp_path: Path) -> None:
    rows = sample_rows(2)
    rows[0]["id_number"] = str(rows[0]["id_number"]) + "1"
    checked = check(tmp_path, rows)
    assert problems_at(checked, 2) == [("id_number", RosterProblem.TOO_LONG)]


def test_several_bad_cells_in_one_row_are_each_reported_in_column_order(tmp_path: Path) -> None:
    rows = sample_rows(3)
    rows[1].update(entry_year="22", name=None, level="硕士", institution_code="99999")

    checked = check(tmp_path, rows)

    assert problems_at(checked, 3) == [
        ("name", RosterProblem.MISSING_VALUE),
        ("institution_code", RosterProblem.INSTITUTION_MISMATCH),
        ("level", RosterProblem.NOT_IN_LIST),
        ("entry_year", RosterProblem.BAD_FORMAT),
    ]
    assert checked.failed_rows == {3}
    assert accepted_rows(checked) == [2, 4]


def test_problems_are_sorted_by_row_then_column() -> None:
    problems = [
        RowProblem(5, "name", None, RosterProblem.MISSING_VALUE),
        RowProblem(2, "entry_year", "22", RosterProblem.BAD_FORMAT),
        RowProblem(2, "id_number", "1", RosterProblem.BAD_FORMAT),
        RowProblem(2, "id_number", "1", RosterProblem.ID_STORED_AS_NUMBER),
        RowProblem(5, "name", None, RosterProblem.MERGED_CELL),
    ]

    kept = keep_first_per_cell(problems)

    assert [(p.row, p.field, p.problem) for p in kept] == [
        (2, "id_number", RosterProblem.ID_STORED_AS_NUMBER),
        (2, "entry_year", RosterProblem.BAD_FORMAT),
        (5, "name", RosterProblem.MERGED_CELL),
    ]


def test_a_mix_of_problems_leaves_the_good_rows_accepted(tmp_path: Path) -> None:
    rows = sample_rows(10)
    rows[0]["name"] = None
    rows[2]["entry_year"] = "2030"
    rows[4]["id_number"] = rows[3]["id_number"]
    rows[6]["level"] = "硕士"
    rows[8]["category"] = EducationCategory.ONLINE.zh

    checked = check(tmp_path, rows)

    assert {(p.row, p.problem) for p in checked.problems} == {
        (2, RosterProblem.MISSING_VALUE),
        (4, RosterProblem.FUTURE_YEAR),
        (6, RosterProblem.DUPLICATE_IN_FILE),
        (8, RosterProblem.NOT_IN_LIST),
        (10, RosterProblem.CATEGORY_MISMATCH),
    }
    assert accepted_rows(checked) == [3, 5, 7, 9, 11]
    assert checked.table.total == 10
