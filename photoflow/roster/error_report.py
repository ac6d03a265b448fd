"""The error-report workbook written beside each upload: one line per refused cell, in both languages.

The refused value and the uploader's file name are text from users: defused, so `=1+1` reads as
`'=1+1` and never runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from photoflow.roster.problems import RowProblem
from photoflow.spreadsheet_safety import defused

HEADERS = ("行号 Row", "列 Column", "值 Value", "原因", "Reason", "如何修改 How to fix")
WIDTHS = (10, 12, 24, 36, 48, 48)


def write_error_report(path: Path, file_name: str, problems: Sequence[RowProblem]) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("错误明细 Errors")
    bold = workbook.add_format({"bold": True, "bg_color": "#FDE9E7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    title = f"{file_name}: {len({p.row for p in problems})} 行未导入 / rows not imported"
    sheet.write_string(0, 0, defused(title))
    for index, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.set_column(index, index, width, text)
        sheet.write_string(1, index, header, bold)
    for line, problem in enumerate(problems, start=2):
        sheet.write_number(line, 0, problem.row)
        for index, value in enumerate(
            (
                problem.header,
                defused(problem.value or ""),
                problem.reason_zh,
                problem.reason_en,
                problem.hint,
            ),
            start=1,
        ):
            sheet.write_string(line, index, value, text)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(1, len(problems) + 1), len(HEADERS) - 1)
    workbook.close()
    return path
