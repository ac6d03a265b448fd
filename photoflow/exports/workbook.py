"""The information table (采集信息表): records as an Excel sheet institutions can file and filter.

Headers are the roster template's Chinese ones, so a table reads like the roster it came from. The ID
number column is text (Excel would turn 18 digits into 1.1E+17 and drop the last three), the header
row is frozen and filtered, and widths fit the columns' contents. Text from the roster that a
spreadsheet would run as a formula is written with a leading `'` (see `spreadsheet_safety`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from data_contracts.roster_columns import COLUMNS_BY_FIELD
from photoflow.job_progress import EXPORT, track
from photoflow.spreadsheet_safety import defused
from schemas.records import StudentRecord

SHEET = "采集信息"


@dataclass(frozen=True)
class TableColumn:
    header: str
    value: Callable[[StudentRecord], str | int | None]
    width: int
    from_user: bool = False  # text as the roster gave it: defused, since a spreadsheet might run it


def _roster(field: str) -> TableColumn:
    column = COLUMNS_BY_FIELD[field]
    return TableColumn(
        column.header, lambda record: getattr(record, field), column.width, from_user=field != "id_number"
    )


COLUMNS: tuple[TableColumn, ...] = (
    _roster("name"),
    _roster("id_number"),
    _roster("institution_code"),
    _roster("institution_name"),
    TableColumn("学历类别", lambda record: record.category.zh, 16),
    TableColumn("学历层次", lambda record: record.level.zh, 14),
    *(_roster(field) for field in ("exam_number", "student_number", "learning_centre", "department")),
    *(_roster(field) for field in ("major", "class_name", "entry_year")),
    TableColumn("采集状态", lambda record: record.status.zh, 14),
    TableColumn("状态更新时间", lambda record: f"{record.updated_at:%Y-%m-%d %H:%M}", 18),
)


def write_records_workbook(
    path: Path, records: Sequence[StudentRecord], *, extra: Sequence[TableColumn] = ()
) -> Path:
    """One row per record under the Chinese headers (plus `extra` columns); every cell is text but the
    entry year, so nothing an institution reads back has been reformatted by Excel."""
    columns = [*COLUMNS, *extra]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet(SHEET)
    header = workbook.add_format({"bold": True, "bg_color": "#EEF3FA", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width, text)
        sheet.write_string(0, index, column.header, header)
    for line, record in enumerate(track(EXPORT, records, len(records)), start=1):
        for index, column in enumerate(columns):
            value = column.value(record)
            if isinstance(value, int):
                sheet.write_number(line, index, value)
            elif value is not None:
                sheet.write_string(line, index, defused(value) if column.from_user else value, text)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(records)), len(columns) - 1)
    workbook.close()
    return path
