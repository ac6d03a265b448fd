"""Run the roster's Great Expectations suite and turn its failures into cell-level problems."""

from __future__ import annotations

import pandas as pd
import polars as pl

from data_contracts.roster_columns import COLUMNS_BY_FIELD
from photoflow.gx_runner import failed_expectations
from photoflow.roster.problems import RowProblem
from photoflow.roster.reader import ROW
from schemas.reasons import RosterProblem

PROBLEM_BY_EXPECTATION = {
    "expect_column_values_to_not_be_null": RosterProblem.MISSING_VALUE,
    "expect_column_value_lengths_to_be_between": RosterProblem.TOO_LONG,
    "expect_column_values_to_match_regex": RosterProblem.BAD_FORMAT,
    "expect_column_values_to_be_in_set": RosterProblem.NOT_IN_LIST,
}


def _detail(problem: RosterProblem, field: str) -> str:
    column = COLUMNS_BY_FIELD[field]
    if problem is RosterProblem.BAD_FORMAT:
        return column.pattern_hint
    if problem is RosterProblem.TOO_LONG:
        return f"≤ {column.max_length}"
    if problem is RosterProblem.NOT_IN_LIST:
        return "、".join(column.choices)
    return ""


def contract_problems(rows: pl.DataFrame) -> list[RowProblem]:
    """Validate every row against the suite; one `RowProblem` per failing cell."""
    from data_contracts.roster_suite import build_roster_suite

    frame = pd.DataFrame(rows.to_dict(as_series=False))
    problems: list[RowProblem] = []
    for outcome in failed_expectations(build_roster_suite, frame, ROW):
        field = outcome.expectation_config.kwargs["column"]
        problem = PROBLEM_BY_EXPECTATION[outcome.expectation_config.type]
        for hit in outcome.result.get("unexpected_index_list") or []:
            value = hit.get(field)
            problems.append(
                RowProblem(
                    row=int(hit[ROW]),
                    field=field,
                    value=None if pd.isna(value) else str(value),
                    problem=problem,
                    detail=_detail(problem, field),
                )
            )
    return problems
