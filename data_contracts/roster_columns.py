"""The roster's columns: one definition feeds the template, the reader, the GX suite and the reports."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.enums import EducationCategory, EducationLevel


@dataclass(frozen=True)
class RosterColumn:
    """One template column: its Chinese header, the field it fills, and the rules its values follow."""

    field: str
    header: str
    en: str
    required: bool
    max_length: int
    pattern: str | None = None
    pattern_hint: str = ""
    choices: tuple[str, ...] = ()
    input_hint: str = ""
    width: int = 14


ROSTER_COLUMNS: tuple[RosterColumn, ...] = (
    RosterColumn("name", "姓名", "Name", True, 50, input_hint="与身份证一致 / as on the ID card", width=12),
    RosterColumn(
        "id_number",
        "证件号",
        "ID number",
        True,
        18,
        pattern=r"^\d{17}[0-9X]$",
        pattern_hint="18 位：17 位数字加 1 位数字或 X / 17 digits then a digit or X",
        input_hint="18 位身份证号，按文本输入 / 18-character ID number, typed as text",
        width=22,
    ),
    RosterColumn(
        "institution_code",
        "院校代码",
        "Institution code",
        False,
        5,
        pattern=r"^\d{5}$",
        pattern_hint="5 位数字 / 5 digits",
        input_hint="可留空，默认为本次上传的院校 / may be empty: the upload's institution",
        width=10,
    ),
    RosterColumn("institution_name", "院校名称", "Institution name", False, 100, width=18),
    RosterColumn(
        "category",
        "学历类别",
        "Education category",
        False,
        20,
        choices=tuple(c.zh for c in EducationCategory),
        input_hint="可留空，默认为本次上传的类别 / may be empty: the upload's category",
        width=16,
    ),
    RosterColumn(
        "level",
        "学历层次",
        "Education level",
        True,
        20,
        choices=tuple(lv.zh for lv in EducationLevel),
        input_hint="从下拉列表选择 / pick from the list",
        width=14,
    ),
    RosterColumn(
        "exam_number",
        "考生号",
        "Examinee number",
        False,
        20,
        pattern=r"^[0-9A-Za-z]+$",
        pattern_hint="数字或字母 / digits or letters",
        width=16,
    ),
    RosterColumn(
        "student_number",
        "学号",
        "Student number",
        False,
        30,
        pattern=r"^[0-9A-Za-z_-]+$",
        pattern_hint="数字、字母、- 或 _ / digits, letters, - or _",
        width=16,
    ),
    RosterColumn("learning_centre", "教学点", "Learning centre", False, 100),
    RosterColumn("department", "院系", "Department", False, 100),
    RosterColumn("major", "专业", "Major", False, 100),
    RosterColumn("class_name", "班级", "Class", False, 100),
    RosterColumn(
        "entry_year",
        "入学年份",
        "Entry year",
        False,
        4,
        pattern=r"^(?:19[5-9]\d|20\d\d)$",
        pattern_hint="4 位年份，如 2022 / a 4-digit year such as 2022",
        width=10,
    ),
    RosterColumn(
        "collection_code",
        "采集码",
        "Collection code",
        False,
        32,
        pattern=r"^[0-9A-Za-z]+$",
        pattern_hint="数字或字母 / digits or letters",
    ),
    RosterColumn(
        "email",
        "电子邮箱",
        "E-mail",
        False,
        254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        pattern_hint="如 name@example.com / such as name@example.com",
        input_hint="用于通知学生重拍 / where reshoot notices are sent",
        width=24,
    ),
)

COLUMNS_BY_FIELD: dict[str, RosterColumn] = {c.field: c for c in ROSTER_COLUMNS}
COLUMNS_BY_HEADER: dict[str, RosterColumn] = {c.header: c for c in ROSTER_COLUMNS}
ROSTER_FIELDS: tuple[str, ...] = tuple(c.field for c in ROSTER_COLUMNS)
