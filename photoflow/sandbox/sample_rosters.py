"""Synthetic but valid roster rows for the demo, tests and benchmarks (no real person's data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from photoflow import idnumber
from schemas.enums import EducationCategory, EducationLevel

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
DEPARTMENTS = ("计算机学院", "外国语学院", "经济管理学院", "机械工程学院")
MAJORS = ("计算机科学与技术", "英语", "会计学", "机械设计制造及其自动化")
# Area codes of provincial capitals' city districts; any 6 digits pass the checks we make.
AREAS = ("110105", "310104", "440106", "330106", "420106", "510107", "130102", "610113")


def synthetic_id_number(rng: random.Random, born: date) -> str:
    first17 = f"{rng.choice(AREAS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + idnumber.check_char(first17)


def generate_rows(
    count: int,
    *,
    institution_code: str,
    institution_name: str,
    category: EducationCategory,
    seed: int = 7,
) -> list[dict[str, str]]:
    """`count` distinct students with valid ID numbers, spread over departments, majors and classes."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    while len(rows) < count:
        born = date(1998, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        id_number = synthetic_id_number(rng, born)
        if id_number in seen:
            continue
        seen.add(id_number)
        position = len(rows)
        entry_year = 2022 if position % 5 else 2021
        department = position % len(DEPARTMENTS)
        rows.append(
            {
                "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "id_number": id_number,
                "institution_code": institution_code,
                "institution_name": institution_name,
                "category": category.zh,
                "level": EducationLevel.BACHELOR.zh,
                "exam_number": f"{entry_year % 100:02d}{rng.randrange(10**12):012d}",
                "student_number": f"{entry_year}{position:06d}",
                "department": DEPARTMENTS[department],
                "major": MAJORS[department],
                "class_name": f"{MAJORS[department][:2]}{entry_year % 100}{position % 4 + 1:02d}",
                "entry_year": str(entry_year),
                "email": f"s{entry_year}{position:06d}@example.edu",
            }
        )
    return rows
