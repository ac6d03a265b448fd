"""Read an uploaded roster (xlsx or csv) into one normalised table of strings, or refuse the whole file.

Content tells a workbook (zip, whatever its name) from an old .xls or a password-protected .xlsx
(both OLE compound files); other files are read as CSV when named .csv or .txt. Every refusal says
what is wrong with the file and what to do, in Chinese and English, and never quotes a parser's
own text, which names the server's kept copy.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from data_contracts.roster_columns import COLUMNS_BY_HEADER, ROSTER_COLUMNS, ROSTER_FIELDS
from photoflow.decoding import first_decoding
from photoflow.errors import PhotoflowError
from photoflow.roster.compound_file import NotACompoundFileError, stream_names
from photoflow.roster.xlsx_cells import (
    CellRange,
    SheetScan,
    UnreadableSheetError,
    column_letters,
    scan_sheet,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ENCRYPTED_PACKAGE = "EncryptedPackage"  # the stream Excel puts a password-protected .xlsx in
ROW = "row"  # the Excel/CSV row number of each data row


class RosterFileError(PhotoflowError):
    """The whole file is refused; the message names the file and says what to do."""

    def __init__(self, file_name: str, zh: str, en: str) -> None:
        self.file_name, self.zh, self.en = file_name, zh, en
        super().__init__(f"{file_name}: {en} / {zh}")


@dataclass(frozen=True)
class SheetCell:
    """A roster cell the sheet XML flagged; `ref` is its Excel reference (or its merged range's)."""

    row: int
    field: str
    ref: str


@dataclass
class RosterTable:
    """Rows of one roster: a `row` number plus one string column per roster field (null when empty)."""

    file_name: str
    rows: pl.DataFrame
    numeric_id_rows: frozenset[int] = frozenset()
    merged_cells: list[SheetCell] = field(default_factory=list)
    formula_cells: list[SheetCell] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.rows.height


def too_large(file_name: str, max_bytes: int) -> RosterFileError:
    limit = f"{max_bytes / 1024 / 1024:.0f} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes // 1024} KB"
    return RosterFileError(
        file_name, f"文件超过 {limit}", f"is larger than {limit}: split the roster into smaller files"
    )


def read_roster(path: Path, *, file_name: str, max_bytes: int, max_rows: int) -> RosterTable:
    """Read `path` (shown to people as `file_name`) or raise `RosterFileError`."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise RosterFileError(file_name, "无法读取文件", f"cannot be read ({error.strerror})") from error
    if size == 0:
        raise RosterFileError(file_name, "文件为空", "is empty: fill in the template and upload it again")
    if size > max_bytes:
        raise too_large(file_name, max_bytes)
    if head.startswith(OLE_MAGIC):
        raise _compound_file_refusal(path, file_name)
    if head.startswith(ZIP_MAGIC):
        table = _read_xlsx(path, file_name, max_bytes)
    elif path.suffix.lower() in {".csv", ".txt"} or file_name.lower().endswith((".csv", ".txt")):
        table = _read_csv(path, file_name)
    else:
        raise RosterFileError(
            file_name,
            "不是 .xlsx 或 .csv 文件",
            "is neither an .xlsx workbook nor a .csv file: use the roster template",
        )
    if table.total == 0:
        raise RosterFileError(file_name, "只有表头，没有学生数据", "has headers but no student rows")
    if table.total > max_rows:
        raise RosterFileError(
            file_name,
            f"超过 {max_rows} 行，请拆分后上传",
            f"has {table.total} rows, more than the {max_rows} allowed: split it into several files",
        )
    return table


def _compound_file_refusal(path: Path, file_name: str) -> RosterFileError:
    """Excel keeps both an old .xls and a password-protected .xlsx in a compound file: say which."""
    try:
        encrypted = ENCRYPTED_PACKAGE in stream_names(path.read_bytes())
    except NotACompoundFileError:
        encrypted = False  # a damaged container: saving it again as .xlsx is still the way out
    if encrypted:
        return RosterFileError(
            file_name,
            "工作簿设有打开密码，请在 Excel 中取消密码（文件 > 信息 > 保护工作簿 > 用密码进行加密，清空密码）"
            "后保存并重新上传",
            "is password-protected: open it in Excel, remove the password (File > Info > Protect Workbook"
            " > Encrypt with Password, clear it), save and upload it again",
        )
    return RosterFileError(
        file_name,
        "是旧版 .xls 格式，请另存为 .xlsx 或 UTF-8 CSV",
        "is an old .xls workbook: save it as .xlsx (Excel Workbook) or CSV UTF-8 and upload that",
    )


def _read_xlsx(path: Path, file_name: str, max_bytes: int) -> RosterTable:
    # From bytes, so calamine sniffs the format as we did: an .xlsx renamed .xls is still read as .xlsx.
    try:
        reader = fastexcel.read_excel(path.read_bytes())
        sheet_names = reader.sheet_names
        used = [name for name in sheet_names if reader.load_sheet(name, header_row=None, n_rows=1).height]
    except Exception as error:  # calamine's text names our kept copy's path: not for the uploader
        raise RosterFileError(
            file_name,
            "无法作为 Excel 工作簿读取，请在 Excel 中打开并另存为 .xlsx（Excel 工作簿）后重新上传",
            "cannot be read as an Excel workbook: open it in Excel, save it as .xlsx (Excel Workbook)"
            " and upload that",
        ) from error
    if not used:
        raise RosterFileError(file_name, "工作簿是空的", "is an empty workbook: fill in the template")
    if len(used) > 1:
        names = ", ".join(used)
        raise RosterFileError(
            file_name,
            f"有多个含数据的工作表（{names}），请只保留名单所在的一个",
            f"has {len(used)} sheets with data ({names}): keep the roster on one sheet and delete the others",
        )
    sheet_name = used[0]
    try:
        scan = scan_sheet(str(path), sheet_name, max_unpacked_bytes=max_bytes * 20)
        grid = reader.load_sheet(sheet_name, header_row=None, dtypes="string").to_polars()
    except UnreadableSheetError as error:  # our own words, about the sheet's XML
        raise RosterFileError(
            file_name, "无法读取工作表", f"sheet {sheet_name!r} cannot be read ({error})"
        ) from error
    except Exception as error:  # calamine's: its text may name our kept copy's path
        raise RosterFileError(
            file_name,
            f"无法读取工作表 {sheet_name}，请另存为 .xlsx 后重新上传",
            f"sheet {sheet_name!r} cannot be read: save the workbook again as .xlsx and upload that",
        ) from error
    headers = [_cell_text(value) for value in grid.row(0)]
    fields = _map_headers(file_name, headers, first_row=scan.origin_row, first_col=scan.origin_col)
    table = _table_from_grid(file_name, grid, fields, first_row=scan.origin_row, first_col=scan.origin_col)
    return _with_sheet_facts(table, fields, scan)


def _read_csv(path: Path, file_name: str) -> RosterTable:
    text = first_decoding(path.read_bytes(), ("utf-8-sig", "gb18030"))
    if text is None or "\x00" in text:
        raise RosterFileError(
            file_name,
            "编码无法识别，请保存为 UTF-8 或 GBK 编码的 CSV",
            "is not text in UTF-8 or GBK: save it as CSV UTF-8 and upload again",
        )
    try:
        grid = pl.read_csv(text.encode("utf-8"), has_header=False, infer_schema=False)
    except pl.exceptions.PolarsError as error:
        raise RosterFileError(
            file_name, "CSV 格式有误", f"is not well-formed CSV ({str(error).splitlines()[0]})"
        ) from error
    headers = [_cell_text(value) for value in grid.row(0)]
    fields = _map_headers(file_name, headers, first_row=1, first_col=1)
    return _table_from_grid(file_name, grid, fields, first_row=1, first_col=1)


def _cell_text(value: object) -> str:
    return "" if value is None else "".join(unicodedata.normalize("NFKC", str(value)).split()).strip("*")


def _map_headers(file_name: str, headers: list[str], *, first_row: int, first_col: int) -> dict[int, str]:
    """Header position -> field; refuses missing, unknown or repeated headers, naming each one."""
    fields: dict[int, str] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for position, header in enumerate(headers):
        if not header:
            continue
        column = COLUMNS_BY_HEADER.get(header)
        if column is None:
            unknown.append(f"{header} ({column_letters(first_col + position)}{first_row})")
        elif column.field in fields.values():
            repeated.append(header)
        else:
            fields[position] = column.field
    problems_zh, problems_en = [], []
    missing = [c.header for c in ROSTER_COLUMNS if c.required and c.field not in fields.values()]
    if missing:
        problems_zh.append("缺少必填列 " + "、".join(missing))
        problems_en.append("missing required column(s) " + ", ".join(missing))
    if unknown:
        hints = [_suggest(item.split(" ")[0]) for item in unknown]
        problems_zh.append("无法识别的列 " + "、".join(unknown))
        problems_en.append(
            "unknown column(s) "
            + ", ".join(f"{item}{hint}" for item, hint in zip(unknown, hints, strict=True))
        )
    if repeated:
        problems_zh.append("重复的列 " + "、".join(repeated))
        problems_en.append("repeated column(s) " + ", ".join(repeated))
    if problems_en:
        expected = "、".join(c.header for c in ROSTER_COLUMNS)
        raise RosterFileError(
            file_name,
            "；".join(problems_zh) + f"。表头行（第 {first_row} 行）应为模板表头：{expected}",
            "; ".join(problems_en)
            + f". The header row (row {first_row}) must hold the template's headers: {expected}",
        )
    return fields


def _suggest(header: str) -> str:
    close = difflib.get_close_matches(header, list(COLUMNS_BY_HEADER), n=1, cutoff=0.3)
    return f" - did you mean {close[0]}?" if close else ""


def _table_from_grid(
    file_name: str, grid: pl.DataFrame, fields: dict[int, str], *, first_row: int, first_col: int
) -> RosterTable:
    """Turn a positional grid (header in its first row) into named, normalised string columns."""
    data = grid.slice(1)
    names = data.columns
    columns = [pl.lit(None, dtype=pl.String).alias(f) for f in ROSTER_FIELDS if f not in fields.values()]
    columns += [_normalised(names[position], field) for position, field in fields.items()]
    frame = data.select((pl.int_range(pl.len(), dtype=pl.Int64) + first_row + 1).alias(ROW), *columns).select(
        ROW, *ROSTER_FIELDS
    )
    unnamed_with_values = [
        column_letters(first_col + position)
        for position, name in enumerate(names)
        if position not in fields and data[name].drop_nulls().str.strip_chars().str.len_chars().sum()
    ]
    if unnamed_with_values:
        letters = ", ".join(unnamed_with_values)
        raise RosterFileError(
            file_name,
            f"第 {letters} 列有数据但没有表头",
            f"column(s) {letters} hold values but have no header: remove them or use the template",
        )
    not_blank = pl.any_horizontal(pl.col(f).is_not_null() for f in ROSTER_FIELDS)
    return RosterTable(file_name=file_name, rows=frame.filter(not_blank))


def _normalised(source: str, field: str) -> pl.Expr:
    """NFKC (full-width digits and letters to ASCII), trimmed, empty to null; ID numbers also de-spaced."""
    text = pl.col(source).cast(pl.String).str.normalize("NFKC").str.strip_chars()
    if field in ("id_number", "institution_code", "exam_number", "student_number", "collection_code"):
        text = text.str.replace_all(r"\s+", "")
    if field == "id_number":
        text = text.str.to_uppercase()
    return pl.when(text.str.len_chars() > 0).then(text).otherwise(None).alias(field)


def _with_sheet_facts(table: RosterTable, fields: dict[int, str], scan: SheetScan) -> RosterTable:
    """Attach what only the sheet XML knows: numeric ID cells, merged ranges and formula cells, in
    Excel coordinates. Formulas count only on rows with a value: a column of formulas copied down
    past the last student leaves rows that are blank to the eye, and blank rows are dropped."""
    field_by_col = {scan.origin_col + position: field for position, field in fields.items()}
    id_col = next(col for col, field in field_by_col.items() if field == "id_number")
    table.numeric_id_rows = frozenset(row for row, col in scan.numeric_cells if col == id_col)
    table.merged_cells = [
        SheetCell(row, field_by_col[col], merged.ref)
        for merged in scan.merged
        for row, col in _cells(merged)
        if col in field_by_col and row > scan.origin_row
    ]
    rows = set(table.rows[ROW])
    table.formula_cells = [
        SheetCell(row, field_by_col[col], f"{column_letters(col)}{row}")
        for row, col in sorted(scan.formula_cells)
        if col in field_by_col and row in rows
    ]
    return table


def _cells(merged: CellRange) -> list[tuple[int, int]]:
    return [
        (row, col)
        for row in range(merged.first_row, merged.last_row + 1)
        for col in range(merged.first_col, merged.last_col + 1)
    ]
