"""Run the roster's Great Expectations suite and turn its failures into cell-level problems."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
import polars as pl

from data_contracts.roster_columns import COLUMNS_BY_FIELD
from photoflow.roster.problems import RowProblem
from photoflow.roster.reader import ROW
from schemas.reasons import RosterProblem

PROBLEM_BY_EXPECTATION = {
    "expect_column_values_to_not_be_null": RosterProblem.MISSING_VALUE,
    "expect_column_value_lengths_to_be_between": RosterProblem.TOO_LONG,
    "expect_column_values_to_match_regex": RosterProblem.BAD_FORMAT,
    "expect_column_values_to_be_in_set": RosterProblem.NOT_IN_LIST,
}


@lru_cache(maxsize=1)
def _validation_definition() -> Any:
    """An ephemeral GX context with the suite registered; built once per process (reruns are safe)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from data_contracts.roster_suite import SUITE_NAME, build_roster_suite

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("roster")
        .add_dataframe_asset("rows")
        .add_batch_definition_whole_dataframe("upload")
    )
    suite = context.suites.add_or_update(build_roster_suite())
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=SUITE_NAME, data=batch, suite=suite)
    )
    return definition


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
    frame = pd.DataFrame(rows.to_dict(as_series=False))
    result = _validation_definition().run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
    )
    problems: list[RowProblem] = []
    for outcome in result.results:
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"roster suite could not run: {outcome.exception_info.get('exception_message')}"
            )
        if outcome.success:
            continue
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
