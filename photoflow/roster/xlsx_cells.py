"""Facts about an .xlsx sheet that a dataframe reader hides: cell types, merged ranges, where data starts.

fastexcel returns an 18-digit number cell as the string "130121199005102400": the digits lost to
floating point are gone and the value looks like text. Only the sheet XML still says the cell was a
number, so we read that XML (streamed from the zip, size-capped) for the few facts we need.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
VALUE = re.compile(rb"<v>[^<]|<is>")  # `<v/>` or `<v></v>` (a formula never calculated) holds nothing
FORMULA = re.compile(rb"<f[\s/>]")
REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
TYPE = re.compile(rb'\bt="(\w+)"')
MERGE = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]+)"')
REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')
REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]+)"[^>]*?\bId="([^"]+)"')


class UnreadableSheetError(Exception):
    pass


def column_index(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class CellRange:
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def ref(self) -> str:
        return (
            f"{column_letters(self.first_col)}{self.first_row}:{column_letters(self.last_col)}{self.last_row}"
        )


@dataclass
class SheetScan:
    """Sheet coordinates are Excel's own: row 1 is the top row, column 1 is A."""

    origin_row: int = 1
    origin_col: int = 1
    numeric_cells: set[tuple[int, int]] = field(default_factory=set)
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    merged: list[CellRange] = field(default_factory=list)


def _sheet_member(archive: zipfile.ZipFile, sheet_name: str) -> str:
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    targets = {rid: target for rid, target in REL.findall(rels)}
    targets.update({rid: target for target, rid in REL_REVERSED.findall(rels)})
    for name, rid in SHEET.findall(workbook):
        if _xml_unescape(name.decode()) == sheet_name and rid in targets:
            target = targets[rid].decode()
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    raise UnreadableSheetError(f"sheet {sheet_name!r} is listed but its XML part is missing")


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def scan_sheet(path: str, sheet_name: str, *, max_unpacked_bytes: int) -> SheetScan:
    """Find where the data starts, which cells hold numbers or formulas, and which ranges are merged.

    A formula cell counts whether or not Excel saved its result: files written by other programs
    often carry none, and a dataframe reader then sees an empty cell."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet_name)
            if archive.getinfo(member).file_size > max_unpacked_bytes:
                raise UnreadableSheetError(
                    f"the sheet unpacks to more than {max_unpacked_bytes // (1024 * 1024)} MB"
                )
            xml = archive.read(member)
    except (zipfile.BadZipFile, KeyError) as error:
        raise UnreadableSheetError(str(error)) from error
    except OSError as error:  # its text would hold our kept copy's path
        raise UnreadableSheetError(error.strerror or "the file cannot be read") from error

    scan = SheetScan()
    min_row = min_col = None
    for match in CELL.finditer(xml):
        body = match.group(3)
        ref = REF.search(match.group(1))
        if not body or ref is None:
            continue  # a styled but empty cell
        row, col = int(ref.group(2)), column_index(ref.group(1).decode())
        if FORMULA.search(body):
            scan.formula_cells.add((row, col))
        if not VALUE.search(body):
            continue
        min_row = row if min_row is None else min(min_row, row)
        min_col = col if min_col is None else min(min_col, col)
        cell_type = TYPE.search(match.group(1))
        if cell_type is None or cell_type.group(1) == b"n":
            scan.numeric_cells.add((row, col))
    scan.origin_row = min_row or 1
    scan.origin_col = min_col or 1
    for first_col, first_row, last_col, last_row in MERGE.findall(xml):
        scan.merged.append(
            CellRange(
                int(first_row),
                column_index(first_col.decode()),
                int(last_row),
                column_index(last_col.decode()),
            )
        )
    return scan
