"""Reading uploaded rosters (csv, xlsx) into one table, refusing whole files clearly, staging uploads."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from data_contracts.roster_columns import ROSTER_COLUMNS, ROSTER_FIELDS
from photoflow.roster.reader import RosterFileError, RosterTable, read_roster
from photoflow.roster.staging import display_name, stage_upload
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.sample_rosters import generate_rows
from schemas.enums import EducationCategory
from tests.compound_files import old_xls, password_protected_xlsx

HEADERS = [column.header for column in ROSTER_COLUMNS]
MB = 1024 * 1024


def sample_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    return generate_rows(
        count,
        institution_code="10001",
        institution_name="北京大学",
        category=EducationCategory.REGULAR,
        seed=seed,
    )


def read(
    path: Path, *, file_name: str | None = None, max_bytes: int = 10 * MB, max_rows: int = 1000
) -> RosterTable:
    return read_roster(path, file_name=file_name or path.name, max_bytes=max_bytes, max_rows=max_rows)


def refusal(path: Path, *, file_name: str | None = None, **limits: int) -> RosterFileError:
    with pytest.raises(RosterFileError) as caught:
        read(path, file_name=file_name, **limits)
    message = str(caught.value)
    assert (file_name or path.name) in message, "every refusal names the file"
    return caught.value


def csv_text(
    rows: Sequence[Mapping[str, str | None]],
    headers: Sequence[str] = HEADERS,
    fields: Sequence[str | None] = ROSTER_FIELDS,
) -> str:
    """A csv with `headers` on line 1; each data line holds the rows' values of `fields`, by position."""
    lines = [",".join(headers)]
    lines += [",".join((row.get(f) or "") if f else "" for f in fields) for row in rows]
    return "\n".join(lines) + "\n"


def write_sheet(
    path: Path,
    grid: Sequence[Sequence[str | None]],
    *,
    first_row: int = 0,
    first_col: int = 0,
    sheet_name: str = "名单",
    extra_sheets: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> xlsxwriter.Workbook:
    """Write `grid` (0-based position of its top-left cell given) as strings; caller closes the workbook."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(sheet_name)
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if value is not None:
                sheet.write_string(first_row + r, first_col + c, value)
    for name, cells in (extra_sheets or {}).items():
        extra = workbook.add_worksheet(name)
        for r, line in enumerate(cells):
            for c, value in enumerate(line):
                extra.write_string(r, c, value)
    return workbook


def grid_of(rows: Sequence[Mapping[str, str | None]]) -> list[list[str | None]]:
    return [list(HEADERS)] + [[row.get(field) for field in ROSTER_FIELDS] for row in rows]


# --- csv ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_utf8_with_bom_and_gbk_read_the_same_rows(tmp_path: Path, encoding: str) -> None:
    rows = sample_rows(4)
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_text(rows).encode(encoding))

    table = read(path)

    assert table.total == 4
    assert table.rows["row"].to_list() == [2, 3, 4, 5]
    assert table.rows["name"].to_list() == [row["name"] for row in rows]
    assert table.rows["id_number"].to_list() == [row["id_number"] for row in rows]
    assert table.rows["department"].to_list() == [row["department"] for row in rows]
    assert table.rows["learning_centre"].null_count() == 4
    assert table.numeric_id_rows == frozenset()
    assert table.merged_cells == []


def test_csv_encodings_give_identical_tables(tmp_path: Path) -> None:
    text = csv_text(sample_rows(3))
    tables = []
    for encoding in ("utf-8", "utf-8-sig", "gbk"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        tables.append(read(path, file_name="roster.csv").rows)
    assert tables[0].equals(tables[1])
    assert tables[0].equals(tables[2])


def test_csv_values_are_normalised_full_width_digits_lower_x_and_spaces(tmp_path: Path) -> None:
    row = sample_rows(1)[0] | {
        "id_number": " １１０１０５ １９４９１２３１００２ｘ ",
        "institution_code": "１０００１",
        "name": "  王伟  ",
    }
    path = tmp_path / "roster.csv"
    path.write_text(csv_text([row]), encoding="utf-8")

    table = read(path)

    assert table.rows["id_number"].to_list() == ["11010519491231002X"]
    assert table.rows["institution_code"].to_list() == ["10001"]
    assert table.rows["name"].to_list() == ["王伟"]


def test_header_marks_and_spaces_are_ignored(tmp_path: Path) -> None:
    headers = [f"*{h}" if c.required else f" {h} " for h, c in zip(HEADERS, ROSTER_COLUMNS, strict=True)]
    path = tmp_path / "roster.csv"
    path.write_text(csv_text(sample_rows(2), headers=headers), encoding="utf-8")

    assert read(path).total == 2


def test_columns_may_come_in_any_order_and_optional_ones_may_be_absent(tmp_path: Path) -> None:
    rows = sample_rows(2)
    path = tmp_path / "roster.csv"
    text = csv_text(rows, headers=["学历层次", "证件号", "姓名"], fields=["level", "id_number", "name"])
    path.write_text(text, encoding="utf-8")

    table = read(path)

    assert table.rows.columns == ["row", *ROSTER_FIELDS]
    assert table.rows["id_number"].to_list() == [row["id_number"] for row in rows]
    assert table.rows["level"].to_list() == ["本科", "本科"]
    assert table.rows["department"].null_count() == 2


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    error = refusal(path)
    assert "empty" in error.en


def test_header_only_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "headers.csv"
    path.write_text(csv_text([]), encoding="utf-8")
    error = refusal(path)
    assert "no student rows" in error.en


def test_blank_template_is_refused_as_header_only(tmp_path: Path) -> None:
    path = write_roster_workbook(tmp_path / "template.xlsx")
    error = refusal(path)
    assert "no student rows" in error.en


def test_missing_required_headers_are_named(tmp_path: Path) -> None:
    kept = [c for c in ROSTER_COLUMNS if c.header not in ("证件号", "学历层次")]
    path = tmp_path / "roster.csv"
    text = csv_text(sample_rows(2), headers=[c.header for c in kept], fields=[c.field for c in kept])
    path.write_text(text, encoding="utf-8")

    error = refusal(path)

    missing = error.en.split(".")[0]
    assert "证件号" in missing
    assert "学历层次" in missing
    assert "姓名" not in missing


def test_unknown_header_is_named_with_a_suggestion(tmp_path: Path) -> None:
    headers = ["身份证号" if h == "证件号" else h for h in HEADERS]
    path = tmp_path / "roster.csv"
    path.write_text(csv_text(sample_rows(2), headers=headers), encoding="utf-8")

    error = refusal(path)

    assert "身份证号" in str(error)
    # the suggestion follows the unknown header itself, not only the list of expected headers
    assert re.search(r"身份证号[^;.]*证件号", error.en), error.en
    assert re.search(r"身份证号 \(B1\)", error.en), "the unknown header's cell is named"


def test_unknown_header_cell_is_named_where_it_is_in_an_offset_sheet(tmp_path: Path) -> None:
    grid = grid_of(sample_rows(2))
    grid[0] = ["身份证号" if h == "证件号" else h for h in grid[0]]
    path = tmp_path / "roster.xlsx"
    write_sheet(path, grid, first_row=2, first_col=1).close()  # header on row 3, from column B

    error = refusal(path)

    assert "身份证号 (C3)" in error.en, error.en


def test_repeated_header_is_refused_and_named(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    text = csv_text(sample_rows(2), headers=[*HEADERS, "姓名"], fields=[*ROSTER_FIELDS, "name"])
    path.write_text(text, encoding="utf-8")

    error = refusal(path)

    assert re.search(r"repeated[^;.]*姓名", error.en), error.en


def test_csv_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x00\x01\x02binary\xff\xfe\x00" * 20)
    error = refusal(path)
    assert "UTF-8" in error.en


def test_unnamed_csv_column_holding_values_is_refused_by_letter(tmp_path: Path) -> None:
    rows = sample_rows(2)
    text = csv_text(rows).splitlines()
    text = [text[0] + ",", text[1] + ",遗留数据", text[2] + ","]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")

    error = refusal(path)

    letter = chr(ord("A") + len(ROSTER_COLUMNS))  # the column right after the template's last one
    assert re.search(rf"\b{letter}\b", error.en), error.en


def test_unnamed_empty_column_is_ignored(tmp_path: Path) -> None:
    lines = [line + "," for line in csv_text(sample_rows(3)).splitlines()]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert read(path).total == 3


def test_text_looking_like_excel_scientific_number_is_kept_as_written(tmp_path: Path) -> None:
    row = sample_rows(1)[0] | {"id_number": "1.30121E+17"}
    path = tmp_path / "roster.csv"
    path.write_text(csv_text([row]), encoding="utf-8")

    assert read(path).rows["id_number"].to_list() == ["1.30121E+17"]


# --- file type and size -------------------------------------------------------------------------


def test_old_xls_workbook_is_refused_asking_for_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    error = refusal(path)
    assert ".xlsx" in error.en
    assert ".xlsx" in error.zh


def test_real_old_xls_container_keeps_the_old_xls_message(tmp_path: Path) -> None:
    path = tmp_path / "名单.xls"
    path.write_bytes(old_xls())
    error = refusal(path)
    assert "is an old .xls workbook: save it as .xlsx" in error.en
    assert "password" not in error.en


@pytest.mark.parametrize("name", ["名单.xlsx", "名单.xls"])
def test_password_protected_xlsx_is_called_password_protected_not_old(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(password_protected_xlsx())

    error = refusal(path)

    assert "is password-protected" in error.en and "remove the password" in error.en
    assert "密码" in error.zh
    assert "old" not in error.en and ".xls " not in error.en


def test_xlsx_renamed_xls_is_read_by_its_content(tmp_path: Path) -> None:
    rows = sample_rows(3)
    path = write_roster_workbook(tmp_path / "名单.xls", rows)

    table = read(path)

    assert table.rows["id_number"].to_list() == [row["id_number"] for row in rows]


def test_unreadable_workbook_message_quotes_neither_the_parser_nor_the_kept_path(tmp_path: Path) -> None:
    kept = tmp_path / "uploads" / "20261207-abcd" / "roster.xls"
    kept.parent.mkdir(parents=True)
    with zipfile.ZipFile(kept, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name=")

    error = refusal(kept, file_name="名单.xls")

    assert "cannot be read as an Excel workbook: open it in Excel, save it as .xlsx" in error.en
    assert str(tmp_path) not in str(error) and "uploads" not in str(error)
    assert "calamine" not in str(error).lower() and "Could not open" not in str(error)


def test_old_xls_is_recognised_by_content_even_when_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"junk" * 100)
    error = refusal(path)
    assert "old" in error.en
    assert ".xlsx" in error.en


def test_random_bytes_named_xlsx_are_refused_as_neither_xlsx_nor_csv(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(bytes(range(7, 256)) * 4)
    error = refusal(path, file_name="学生名单.xlsx")
    assert ".xlsx" in error.en
    assert ".csv" in error.en


def test_zip_that_is_not_a_workbook_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    error = refusal(path)
    assert "Excel" in error.en


def test_file_over_max_bytes_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(csv_text(sample_rows(1)) + "x" * MB, encoding="utf-8")
    error = refusal(path, max_bytes=MB)
    assert "1 MB" in error.en


def test_more_rows_than_max_rows_is_refused_naming_both_numbers(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(csv_text(sample_rows(5)), encoding="utf-8")

    error = refusal(path, max_rows=3)

    assert re.search(r"\b5\b", error.en), error.en
    assert re.search(r"\b3\b", error.en), error.en
    assert read(path, max_rows=5).total == 5


def test_upload_name_is_shown_but_content_decides_the_format(tmp_path: Path) -> None:
    path = write_roster_workbook(tmp_path / "upload.bin", sample_rows(2))
    table = read(path, file_name="名单.csv")
    assert table.total == 2
    assert table.file_name == "名单.csv"


# --- xlsx ---------------------------------------------------------------------------------------


def test_template_workbook_rows_read_back_as_written(tmp_path: Path) -> None:
    rows = sample_rows(6)
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)

    table = read(path)

    assert table.rows["row"].to_list() == [2, 3, 4, 5, 6, 7]
    for field in ROSTER_FIELDS:
        assert table.rows[field].to_list() == [row.get(field) for row in rows], field
    assert table.numeric_id_rows == frozenset()
    assert table.merged_cells == []


def test_more_than_one_sheet_with_data_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    write_sheet(path, grid_of(sample_rows(2)), extra_sheets={"备注": [["说明", "见附件"]]}).close()

    error = refusal(path)

    assert "名单" in error.en
    assert "备注" in error.en


def test_extra_empty_sheet_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    write_sheet(path, grid_of(sample_rows(2)), extra_sheets={"Sheet2": [], "Sheet3": []}).close()

    assert read(path).total == 2


def test_roster_on_a_later_sheet_is_found(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Sheet1")
    sheet = workbook.add_worksheet("学生")
    for r, line in enumerate(grid_of(sample_rows(3))):
        for c, value in enumerate(line):
            if value is not None:
                sheet.write_string(r, c, value)
    workbook.close()

    assert read(path).rows["row"].to_list() == [2, 3, 4]


def test_empty_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("名单")
    workbook.close()
    refusal(path)


def test_merged_cells_cover_every_row_of_the_range(tmp_path: Path) -> None:
    rows = sample_rows(5)
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid_of(rows))
    department = HEADERS.index("院系")
    sheet = workbook.get_worksheet_by_name("名单")
    sheet.merge_range(2, department, 4, department, "计算机学院")  # J3:J5
    workbook.close()

    table = read(path)

    merged = {(cell.row, cell.field, cell.ref) for cell in table.merged_cells}
    assert merged == {(3, "department", "J3:J5"), (4, "department", "J3:J5"), (5, "department", "J3:J5")}
    assert table.total == 5


def test_merged_range_across_columns_names_every_field(tmp_path: Path) -> None:
    rows = sample_rows(3)
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid_of(rows))
    major, class_name = HEADERS.index("专业"), HEADERS.index("班级")
    workbook.get_worksheet_by_name("名单").merge_range(1, major, 1, class_name, "英语")  # K2:L2
    workbook.close()

    table = read(path)

    assert {(c.row, c.field) for c in table.merged_cells} == {(2, "major"), (2, "class_name")}


def formula_sheet(rows: Sequence[Mapping[str, str | None]]) -> openpyxl.Workbook:
    """The rows as text cells from A1, as openpyxl writes them; the caller adds formulas and saves."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    for line in grid_of(rows):
        sheet.append(line)
    return book


def test_formula_cells_without_a_saved_result_are_found_by_cell(tmp_path: Path) -> None:
    rows = sample_rows(4)
    path = tmp_path / "roster.xlsx"
    book = formula_sheet(rows)
    book.active["J3"] = "=1+1"  # openpyxl saves no result: a dataframe reader sees an empty cell
    book.active["K5"] = '=CONCAT("计算机","学院")'
    book.save(path)

    table = read(path)

    assert [(c.row, c.field, c.ref) for c in table.formula_cells] == [
        (3, "department", "J3"),
        (5, "major", "K5"),
    ]
    assert table.rows.filter(pl.col("row") == 3)["department"].to_list() == [None]


def test_formula_cells_with_a_saved_result_are_found_too(tmp_path: Path) -> None:
    rows = sample_rows(2)
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid_of(rows))
    workbook.get_worksheet_by_name("名单").write_formula("J2", '="计算机"&"学院"', None, "计算机学院")
    workbook.close()

    table = read(path)

    assert [(c.row, c.field, c.ref) for c in table.formula_cells] == [(2, "department", "J2")]
    assert table.rows["department"].to_list()[0] == "计算机学院"


def test_formulas_copied_down_past_the_last_student_leave_blank_rows(tmp_path: Path) -> None:
    rows = sample_rows(2)
    path = tmp_path / "roster.xlsx"
    book = formula_sheet(rows)
    for line in range(4, 20):
        book.active[f"J{line}"] = f'=IF(A{line}="","",A{line})'
    book.save(path)

    table = read(path)

    assert table.total == 2
    assert table.formula_cells == []


def test_an_unsaved_formula_above_the_header_does_not_move_the_sheet_coordinates(tmp_path: Path) -> None:
    rows = sample_rows(2)
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "=TODAY()"  # no saved result: the data still starts at B3
    for r, line in enumerate(grid_of(rows), start=3):
        for c, value in enumerate(line, start=2):
            sheet.cell(r, c, value)
    sheet["K4"] = "=1+1"
    book.save(path)

    table = read(path)

    assert table.rows["row"].to_list() == [4, 5]
    assert [(c.row, c.field, c.ref) for c in table.formula_cells] == [(4, "department", "K4")]


def test_numeric_id_cells_are_reported_with_excel_row_numbers(tmp_path: Path) -> None:
    rows = sample_rows(5)
    rows = [row for row in rows if not row["id_number"].endswith("X")]
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows, numeric_id_rows=frozenset({1, 3}))

    table = read(path)

    assert table.numeric_id_rows == frozenset({3, 5})


def test_numbers_typed_into_other_columns_read_as_their_digits(tmp_path: Path) -> None:
    rows = sample_rows(3)
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, [HEADERS])
    sheet = workbook.get_worksheet_by_name("名单")
    numeric = ("institution_code", "exam_number", "student_number", "entry_year")
    for r, row in enumerate(rows, start=1):
        for c, field in enumerate(ROSTER_FIELDS):
            value = row.get(field)
            if value is not None and field in numeric:
                sheet.write_number(r, c, int(value))
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()

    table = read(path)

    for field in numeric:
        assert table.rows[field].to_list() == [row[field] for row in rows], field
    assert table.numeric_id_rows == frozenset(), "only the ID column's numbers are a problem"


def test_header_not_at_a1_keeps_excel_row_numbers_and_drops_blank_rows(tmp_path: Path) -> None:
    rows = sample_rows(4)
    grid = grid_of(rows)
    grid = [*grid[:3], [None] * len(HEADERS), [None] * len(HEADERS), *grid[3:]]  # two blank rows
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid, first_row=2, first_col=1)  # header in B3
    sheet = workbook.get_worksheet_by_name("名单")
    id_col = 1 + HEADERS.index("证件号")
    sheet.write_number(8, id_col, 110105491231002)  # the last row's ID (Excel row 9) typed as a number
    workbook.close()

    table = read(path)

    # header on row 3; data on rows 4-5, blank rows 6-7, data on rows 8-10
    assert table.rows["row"].to_list() == [4, 5, 8, 9]
    assert table.rows["name"].to_list() == [row["name"] for row in rows]
    assert table.numeric_id_rows == frozenset({9})


def test_offset_sheet_reports_numeric_ids_and_merges_in_excel_coordinates(tmp_path: Path) -> None:
    rows = [row for row in sample_rows(6) if not row["id_number"].endswith("X")][:4]
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid_of(rows), first_row=2, first_col=1)  # header in B3, data rows 4-7
    sheet = workbook.get_worksheet_by_name("名单")
    id_col = 1 + HEADERS.index("证件号")  # column C
    sheet.write_number(5, id_col, float(rows[2]["id_number"]))  # Excel row 6
    department = 1 + HEADERS.index("院系")  # column K
    sheet.merge_range(3, department, 4, department, rows[0]["department"])  # K4:K5
    workbook.close()

    table = read(path)

    assert table.rows["row"].to_list() == [4, 5, 6, 7]
    assert table.numeric_id_rows == frozenset({6})
    assert {(c.row, c.field, c.ref) for c in table.merged_cells} == {
        (4, "department", "K4:K5"),
        (5, "department", "K4:K5"),
    }


def test_blank_rows_between_data_are_dropped_but_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    rows = sample_rows(3)
    grid = grid_of(rows)
    grid = [grid[0], grid[1], [None] * len(HEADERS), grid[2], [None] * len(HEADERS), grid[3]]
    path = tmp_path / "roster.xlsx"
    write_sheet(path, grid).close()

    table = read(path)

    assert table.rows["row"].to_list() == [2, 4, 6]
    assert table.rows["id_number"].to_list() == [row["id_number"] for row in rows]


def test_unnamed_xlsx_column_holding_values_is_refused_by_its_letter(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = write_sheet(path, grid_of(sample_rows(2)), first_row=2, first_col=1)  # from B3
    after = 1 + len(ROSTER_COLUMNS)  # the column right after the template's last one
    workbook.get_worksheet_by_name("名单").write_string(4, after, "备注")  # under no header
    workbook.close()

    error = refusal(path)

    assert re.search(rf"\b{chr(ord('A') + after)}\b", error.en), error.en


# --- staging ------------------------------------------------------------------------------------


def test_display_name_strips_directories_and_control_characters() -> None:
    assert display_name("../../etc/passwd.xlsx") == "passwd.xlsx"
    assert display_name("C:\\Users\\me\\名单.xlsx") == "名单.xlsx"
    assert display_name("na\x00me\n.csv") == "name.csv"
    assert display_name("uploads/\x07") == "roster"
    assert len(display_name("a" * 400 + ".xlsx")) == 255


def test_staged_upload_is_stored_under_our_own_name_inside_the_data_folder(tmp_path: Path) -> None:
    source = write_roster_workbook(tmp_path / "incoming" / "roster.xlsx", sample_rows(3))
    data_dir = tmp_path / "data"

    staged = stage_upload(source, file_name="../../etc/passwd.xlsx", data_dir=data_dir, max_bytes=10 * MB)

    assert staged.path.is_relative_to((data_dir / "uploads").resolve())
    assert staged.path.name == "roster.xlsx"
    assert staged.stored_path.startswith("uploads/")
    assert (data_dir / staged.stored_path).resolve() == staged.path
    assert staged.path.read_bytes() == source.read_bytes()
    assert staged.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert staged.size_bytes == source.stat().st_size
    assert not (tmp_path / "etc").exists()
    assert display_name("../../etc/passwd.xlsx") == "passwd.xlsx"


def test_unknown_suffix_is_staged_as_bin(tmp_path: Path) -> None:
    source = tmp_path / "upload"
    source.write_bytes(b"hello")
    staged = stage_upload(source, file_name="evil.sh", data_dir=tmp_path / "data", max_bytes=MB)
    assert staged.path.name == "roster.bin"
    assert staged.sha256 == hashlib.sha256(b"hello").hexdigest()


def test_two_uploads_of_the_same_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    data_dir = tmp_path / "data"
    one = stage_upload(first, file_name="名单.csv", data_dir=data_dir, max_bytes=MB)
    two = stage_upload(second, file_name="名单.csv", data_dir=data_dir, max_bytes=MB)
    assert one.path != two.path
    assert one.path.read_bytes() == b"first"
    assert two.path.read_bytes() == b"second"


def test_staging_accepts_a_file_of_exactly_max_bytes(tmp_path: Path) -> None:
    source = tmp_path / "exact.csv"
    source.write_bytes(b"x" * MB)
    staged = stage_upload(source, file_name="exact.csv", data_dir=tmp_path / "data", max_bytes=MB)
    assert staged.size_bytes == MB
    assert staged.path.stat().st_size == MB


def test_staging_refuses_files_over_max_bytes_and_leaves_nothing_behind(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_bytes(b"x" * (3 * MB))
    data_dir = tmp_path / "data"

    with pytest.raises(RosterFileError) as caught:
        stage_upload(source, file_name="big.csv", data_dir=data_dir, max_bytes=2 * MB)

    assert "big.csv" in str(caught.value)
    assert "2 MB" in caught.value.en
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []


def test_staging_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "名单"
    folder.mkdir()
    with pytest.raises(RosterFileError) as caught:
        stage_upload(folder, file_name="名单", data_dir=tmp_path / "data", max_bytes=MB)
    assert "is a folder, not a roster file" in caught.value.en
    assert "文件夹" in caught.value.zh


def test_staging_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError, match=r"gone\.xlsx"):
        stage_upload(tmp_path / "gone.xlsx", file_name="gone.xlsx", data_dir=tmp_path / "data", max_bytes=MB)
