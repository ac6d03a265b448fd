"""Every check a roster row must pass before it becomes a student record.

The GX suite covers the per-column rules; this module adds what GX cannot express: GB 11643 check
digits and birth dates, numbers that lost digits in Excel, merged cells, formula cells (refused
row by row, naming the cell, like merged ones), agreement with the upload's institution and
category, and repeated ID numbers within the file (the first occurrence wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from photoflow import idnumber
from photoflow.roster.gx_validation import contract_problems
from photoflow.roster.problems import RowProblem, keep_first_per_cell
from photoflow.roster.reader import ROW, RosterTable
from schemas.enums import EducationCategory, EducationLevel
from schemas.reasons import RosterProblem


@dataclass(frozen=True)
class UploadContext:
    """What the upload was made for; rows may leave these columns empty and inherit them."""

    batch_id: int
    institution_code: str
    institution_name: str
    category: EducationCategory
    learning_centre: str
    today: date


@dataclass
class CheckedRoster:
    table: RosterTable
    problems: list[RowProblem]
    accepted: pl.DataFrame  # rows with no problem, defaults filled in, ready to store

    @property
    def failed_rows(self) -> set[int]:
        return {p.row for p in self.problems}


def check_roster(table: RosterTable, context: UploadContext) -> CheckedRoster:
    rows = table.rows
    problems = contract_problems(rows)
    problems += _sheet_problems(table)
    problems += _id_problems(rows, table.numeric_id_rows, context.today)
    problems += _context_problems(rows, context)
    problems += _duplicate_problems(rows, table.numeric_id_rows)
    problems = keep_first_per_cell(problems)
    failed = {p.row for p in problems}
    accepted = _with_defaults(rows.filter(~pl.col(ROW).is_in(list(failed))), context)
    return CheckedRoster(table=table, problems=problems, accepted=accepted)


def _sheet_problems(table: RosterTable) -> list[RowProblem]:
    id_numbers = dict(table.rows.select(ROW, "id_number").iter_rows())
    problems = [
        RowProblem(row, "id_number", id_numbers.get(row), RosterProblem.ID_STORED_AS_NUMBER)
        for row in sorted(table.numeric_id_rows)
    ]
    problems += [
        RowProblem(cell.row, cell.field, None, RosterProblem.MERGED_CELL, detail=cell.ref)
        for cell in table.merged_cells
    ]
    by_row = {row[ROW]: row for row in table.rows.iter_rows(named=True)} if table.formula_cells else {}
    problems += [
        RowProblem(
            cell.row, cell.field, by_row[cell.row][cell.field], RosterProblem.FORMULA_CELL, detail=cell.ref
        )
        for cell in table.formula_cells
    ]
    return problems


def _id_problems(rows: pl.DataFrame, numeric_rows: frozenset[int], today: date) -> list[RowProblem]:
    problems = []
    for row, value in rows.select(ROW, "id_number").iter_rows():
        if value is None or row in numeric_rows:
            continue
        if idnumber.looks_like_excel_number(value):
            problems.append(RowProblem(row, "id_number", value, RosterProblem.ID_STORED_AS_NUMBER))
        elif not idnumber.SHAPE.match(value):
            continue  # the suite already reports the shape
        elif not idnumber.has_real_birth_date(value, today):
            problems.append(RowProblem(row, "id_number", value, RosterProblem.ID_BIRTH_DATE))
        elif not idnumber.has_valid_checksum(value):
            expected = idnumber.check_char(value[:17])
            problems.append(
                RowProblem(
                    row, "id_number", value, RosterProblem.ID_CHECKSUM, detail=f"应为/expected {expected}"
                )
            )
    return problems


def _context_problems(rows: pl.DataFrame, context: UploadContext) -> list[RowProblem]:
    checks: tuple[tuple[str, str, RosterProblem], ...] = (
        ("institution_code", context.institution_code, RosterProblem.INSTITUTION_MISMATCH),
        ("category", context.category.zh, RosterProblem.CATEGORY_MISMATCH),
    )
    if context.learning_centre:
        checks += (("learning_centre", context.learning_centre, RosterProblem.LEARNING_CENTRE_MISMATCH),)
    problems = []
    for field, expected, problem in checks:
        mismatched = rows.filter(pl.col(field).is_not_null() & (pl.col(field) != expected))
        problems += [
            RowProblem(row, field, value, problem, detail=f"本次上传/this upload: {expected}")
            for row, value in mismatched.select(ROW, field).iter_rows()
        ]
    year = pl.col("entry_year").cast(pl.Int32, strict=False)
    future = rows.filter(year > context.today.year)
    problems += [
        RowProblem(row, "entry_year", value, RosterProblem.FUTURE_YEAR)
        for row, value in future.select(ROW, "entry_year").iter_rows()
    ]
    return problems


def _duplicate_problems(rows: pl.DataFrame, numeric_rows: frozenset[int]) -> list[RowProblem]:
    first_seen: dict[str, int] = {}
    problems = []
    for row, value in rows.select(ROW, "id_number").iter_rows():
        if value is None or row in numeric_rows or not idnumber.SHAPE.match(value):
            continue
        if value in first_seen:
            first = first_seen[value]
            problems.append(
                RowProblem(row, "id_number", value, RosterProblem.DUPLICATE_IN_FILE, detail=f"第/row {first}")
            )
        else:
            first_seen[value] = row
    return problems


def _with_defaults(rows: pl.DataFrame, context: UploadContext) -> pl.DataFrame:
    """Fill the columns a row may leave empty from the upload, and convert to stored types."""
    category_by_label = {c.zh: c.value for c in EducationCategory}
    level_by_label = {lv.zh: lv.value for lv in EducationLevel}
    filled = rows.with_columns(
        pl.col("institution_code").fill_null(context.institution_code),
        pl.col("institution_name").fill_null(context.institution_name),
        pl.col("category").replace_strict(category_by_label, default=None).fill_null(context.category.value),
        pl.col("level").replace_strict(level_by_label, default=None),
        pl.col("entry_year").cast(pl.Int32, strict=False),
    )
    if context.learning_centre:
        filled = filled.with_columns(pl.col("learning_centre").fill_null(context.learning_centre))
    return filled
