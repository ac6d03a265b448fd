"""Roster workbooks in the template's layout: the blank template, and filled rosters for demos and tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import xlsxwriter

from data_contracts.roster_columns import ROSTER_COLUMNS

SHEET_NAME = "名单"
VALIDATED_ROWS = 50_000


def write_roster_workbook(
    path: Path,
    rows: Iterable[Mapping[str, str | None]] = (),
    *,
    numeric_id_rows: frozenset[int] = frozenset(),
) -> Path:
    """Write the template (headers, text formats, input hints, drop-downs), with `rows` filled in.

    `numeric_id_rows` (0-based positions in `rows`) stores those ID numbers as Excel numbers, the
    way a careless paste does, so tests and demos can show how such rows are refused.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet(SHEET_NAME)
    text = workbook.add_format({"num_format": "@"})
    required = workbook.add_format({"bold": True, "bg_color": "#FDE9E7", "border": 1, "num_format": "@"})
    optional = workbook.add_format({"bold": True, "bg_color": "#EEF3FA", "border": 1, "num_format": "@"})
    for index, column in enumerate(ROSTER_COLUMNS):
        sheet.set_column(index, index, column.width, text)
        sheet.write_string(0, index, column.header, required if column.required else optional)
        sheet.write_comment(0, index, _comment(column), {"x_scale": 2, "y_scale": 1.2})
        validation = {
            "input_title": column.header[:32],
            "input_message": (column.input_hint or column.en)[:255],
            "ignore_blank": not column.required,
        }
        if column.choices:
            validation.update({"validate": "list", "source": list(column.choices), "error_type": "stop"})
        elif column.field == "id_number":
            validation.update({"validate": "length", "criteria": "==", "value": 18})
        else:
            validation.update({"validate": "length", "criteria": "<=", "value": column.max_length})
        sheet.data_validation(1, index, VALIDATED_ROWS, index, validation)
    sheet.freeze_panes(1, 0)
    for position, row in enumerate(rows):
        for index, column in enumerate(ROSTER_COLUMNS):
            value = row.get(column.field)
            if value is None:
                continue
            if column.field == "id_number" and position in numeric_id_rows:
                sheet.write_number(position + 1, index, float(value))
            else:
                sheet.write_string(position + 1, index, str(value), text)
    workbook.close()
    return path


def _comment(column) -> str:
    need = "必填 / required" if column.required else "选填 / optional"
    hint = column.pattern_hint or column.input_hint
    return f"{column.header} ({column.en}): {need}" + (f"\n{hint}" if hint else "")
