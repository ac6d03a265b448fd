"""Reason codes for roster problems: what went wrong in Chinese and English, and how to fix it."""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class RosterProblem(ReasonEnum):
    """Why a roster row (or the whole file) was refused; the hint is for the admin correcting the file."""

    MISSING_VALUE = ("missing_value", "必填项为空", "required value is empty", "Fill in this cell.")
    TOO_LONG = ("too_long", "内容过长", "value is too long", "Shorten the value to the template's limit.")
    BAD_FORMAT = (
        "bad_format",
        "格式不正确",
        "value has the wrong format",
        "Correct the value; see the hint.",
    )
    NOT_IN_LIST = (
        "not_in_list",
        "不在可选范围内",
        "value is not one of the allowed choices",
        "Pick a value from the template's drop-down list.",
    )
    ID_STORED_AS_NUMBER = (
        "id_stored_as_number",
        "证件号被存为数字，后几位已丢失",
        "ID number was stored as a number and its last digits are lost",
        "Format the 证件号 column as text and type the full 18-character ID number again.",
    )
    ID_CHECKSUM = (
        "id_checksum",
        "证件号校验位错误",
        "ID number check digit does not match (GB 11643)",
        "Check the ID number against the student's ID card.",
    )
    ID_BIRTH_DATE = (
        "id_birth_date",
        "证件号中的出生日期无效",
        "ID number does not contain a real birth date",
        "Check digits 7-14 (the birth date) against the student's ID card.",
    )
    FUTURE_YEAR = (
        "future_year",
        "年份晚于今年",
        "year is in the future",
        "Enter the year the student enrolled.",
    )
    MERGED_CELL = (
        "merged_cell",
        "存在合并单元格",
        "cell is part of a merged range",
        "Unmerge the cells and fill the value into every row.",
    )
    FORMULA_CELL = (
        "formula_cell",
        "单元格是公式，不接受公式",
        "formula cells are not accepted",
        "Type the value itself, or copy the column and paste it back with Paste Special > Values.",
    )
    INSTITUTION_MISMATCH = (
        "institution_mismatch",
        "院校代码与本次上传的院校不一致",
        "institution code differs from the institution this roster is uploaded for",
        "Upload this row with its own institution's roster, or correct the code.",
    )
    CATEGORY_MISMATCH = (
        "category_mismatch",
        "学历类别与本次上传的类别不一致",
        "education category differs from the category this roster is uploaded for",
        "Upload this row with the roster of its category, or correct the category.",
    )
    LEARNING_CENTRE_MISMATCH = (
        "learning_centre_mismatch",
        "教学点与本次上传的教学点不一致",
        "learning centre differs from the learning centre this roster is uploaded for",
        "Leave 教学点 empty or use the learning centre chosen for this upload.",
    )
    DUPLICATE_IN_FILE = (
        "duplicate_in_file",
        "证件号在本文件中重复",
        "ID number repeats an earlier row of this file",
        "Remove the repeated row or correct its ID number.",
    )
    DUPLICATE_IN_BATCH = (
        "duplicate_in_batch",
        "证件号已在本批次中，且信息不同",
        "ID number is already in this batch with different details",
        "Delete the earlier upload that holds this student first, or correct the row.",
    )


def roster_reason(problem: RosterProblem, detail: str = "") -> tuple[str, str, str]:
    """(中文 reason, English reason, fix hint) for a problem, with its detail appended when there is one."""
    if detail:
        return f"{problem.zh}（{detail}）", f"{problem.en} ({detail})", problem.hint
    return problem.zh, problem.en, problem.hint
