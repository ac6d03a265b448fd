"""Reason codes for roster problems: what went wrong in Chinese and English, and how to fix it."""

from __future__ import annotations

from enum import StrEnum


class RosterProblem(StrEnum):
    """Why a roster row (or the whole file) was refused; messages live in `ROSTER_PROBLEM_TEXT`."""

    MISSING_VALUE = "missing_value"
    TOO_LONG = "too_long"
    BAD_FORMAT = "bad_format"
    NOT_IN_LIST = "not_in_list"
    ID_STORED_AS_NUMBER = "id_stored_as_number"
    ID_CHECKSUM = "id_checksum"
    ID_BIRTH_DATE = "id_birth_date"
    FUTURE_YEAR = "future_year"
    MERGED_CELL = "merged_cell"
    FORMULA_CELL = "formula_cell"
    INSTITUTION_MISMATCH = "institution_mismatch"
    CATEGORY_MISMATCH = "category_mismatch"
    LEARNING_CENTRE_MISMATCH = "learning_centre_mismatch"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    DUPLICATE_IN_BATCH = "duplicate_in_batch"


# code -> (中文, English, fix hint)
ROSTER_PROBLEM_TEXT: dict[RosterProblem, tuple[str, str, str]] = {
    RosterProblem.MISSING_VALUE: ("必填项为空", "required value is empty", "Fill in this cell."),
    RosterProblem.TOO_LONG: ("内容过长", "value is too long", "Shorten the value to the template's limit."),
    RosterProblem.BAD_FORMAT: (
        "格式不正确",
        "value has the wrong format",
        "Correct the value; see the hint.",
    ),
    RosterProblem.NOT_IN_LIST: (
        "不在可选范围内",
        "value is not one of the allowed choices",
        "Pick a value from the template's drop-down list.",
    ),
    RosterProblem.ID_STORED_AS_NUMBER: (
        "证件号被存为数字，后几位已丢失",
        "ID number was stored as a number and its last digits are lost",
        "Format the 证件号 column as text and type the full 18-character ID number again.",
    ),
    RosterProblem.ID_CHECKSUM: (
        "证件号校验位错误",
        "ID number check digit does not match (GB 11643)",
        "Check the ID number against the student's ID card.",
    ),
    RosterProblem.ID_BIRTH_DATE: (
        "证件号中的出生日期无效",
        "ID number does not contain a real birth date",
        "Check digits 7-14 (the birth date) against the student's ID card.",
    ),
    RosterProblem.FUTURE_YEAR: (
        "年份晚于今年",
        "year is in the future",
        "Enter the year the student enrolled.",
    ),
    RosterProblem.MERGED_CELL: (
        "存在合并单元格",
        "cell is part of a merged range",
        "Unmerge the cells and fill the value into every row.",
    ),
    RosterProblem.FORMULA_CELL: (
        "单元格是公式，不接受公式",
        "formula cells are not accepted",
        "Type the value itself, or copy the column and paste it back with Paste Special > Values.",
    ),
    RosterProblem.INSTITUTION_MISMATCH: (
        "院校代码与本次上传的院校不一致",
        "institution code differs from the institution this roster is uploaded for",
        "Upload this row with its own institution's roster, or correct the code.",
    ),
    RosterProblem.CATEGORY_MISMATCH: (
        "学历类别与本次上传的类别不一致",
        "education category differs from the category this roster is uploaded for",
        "Upload this row with the roster of its category, or correct the category.",
    ),
    RosterProblem.LEARNING_CENTRE_MISMATCH: (
        "教学点与本次上传的教学点不一致",
        "learning centre differs from the learning centre this roster is uploaded for",
        "Leave 教学点 empty or use the learning centre chosen for this upload.",
    ),
    RosterProblem.DUPLICATE_IN_FILE: (
        "证件号在本文件中重复",
        "ID number repeats an earlier row of this file",
        "Remove the repeated row or correct its ID number.",
    ),
    RosterProblem.DUPLICATE_IN_BATCH: (
        "证件号已在本批次中，且信息不同",
        "ID number is already in this batch with different details",
        "Delete the earlier upload that holds this student first, or correct the row.",
    ),
}


def roster_reason(problem: RosterProblem, detail: str = "") -> tuple[str, str, str]:
    """(中文 reason, English reason, fix hint) for a problem, with its detail appended when there is one."""
    zh, en, hint = ROSTER_PROBLEM_TEXT[problem]
    if detail:
        return f"{zh}（{detail}）", f"{en} ({detail})", hint
    return zh, en, hint
