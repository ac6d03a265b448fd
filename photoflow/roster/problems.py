"""One refused cell of a roster, and which of several problems on the same cell people should see first."""

from __future__ import annotations

from dataclasses import dataclass

from data_contracts.roster_columns import COLUMNS_BY_FIELD
from schemas.reasons import RosterProblem, roster_reason

# When one cell breaks several rules, report the one that explains the others.
PRIORITY: tuple[RosterProblem, ...] = (
    RosterProblem.FORMULA_CELL,
    RosterProblem.ID_STORED_AS_NUMBER,
    RosterProblem.MERGED_CELL,
    RosterProblem.MISSING_VALUE,
    RosterProblem.TOO_LONG,
    RosterProblem.NOT_IN_LIST,
    RosterProblem.BAD_FORMAT,
    RosterProblem.ID_CHECKSUM,
    RosterProblem.ID_BIRTH_DATE,
    RosterProblem.INSTITUTION_MISMATCH,
    RosterProblem.CATEGORY_MISMATCH,
    RosterProblem.LEARNING_CENTRE_MISMATCH,
    RosterProblem.FUTURE_YEAR,
    RosterProblem.DUPLICATE_IN_FILE,
    RosterProblem.DUPLICATE_IN_BATCH,
)
RANK = {problem: rank for rank, problem in enumerate(PRIORITY)}


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: str | None
    problem: RosterProblem
    detail: str = ""

    @property
    def header(self) -> str:
        return COLUMNS_BY_FIELD[self.field].header

    @property
    def reason_zh(self) -> str:
        return roster_reason(self.problem, self.detail)[0]

    @property
    def reason_en(self) -> str:
        return roster_reason(self.problem, self.detail)[1]

    @property
    def hint(self) -> str:
        return self.problem.hint


def keep_first_per_cell(problems: list[RowProblem]) -> list[RowProblem]:
    """One problem per (row, column), the highest-ranked; sorted by row, then template column order."""
    best: dict[tuple[int, str], RowProblem] = {}
    for item in problems:
        key = (item.row, item.field)
        if key not in best or RANK[item.problem] < RANK[best[key].problem]:
            best[key] = item
    order = {field: index for index, field in enumerate(COLUMNS_BY_FIELD)}
    return sorted(best.values(), key=lambda p: (p.row, order[p.field]))
