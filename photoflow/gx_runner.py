"""Great Expectations runs, shared by every data contract: one ephemeral context and validation per suite.

Building a context costs about a second and importing GX a few, so each suite's validation definition
is built once per process, on first use, and registered with `add_or_update` so a rebuild is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd


@cache
def validation_definition(build_suite: Callable[[], Any]) -> Any:
    """The validation of the suite `build_suite` returns, over a whole pandas DataFrame."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    suite = build_suite()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas(suite.name)
        .add_dataframe_asset("rows")
        .add_batch_definition_whole_dataframe("frame")
    )
    suite = context.suites.add_or_update(suite)
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=suite)
    )


def failed_expectations(build_suite: Callable[[], Any], frame: pd.DataFrame, index_column: str) -> list[Any]:
    """The suite's failed results on `frame`, each listing the failing rows by `index_column`.

    An expectation that could not run at all is a bug in the suite, not bad data: it raises.
    """
    result = validation_definition(build_suite).run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [index_column]},
    )
    failed = []
    for outcome in result.results:
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"suite {result.suite_name} could not run: {outcome.exception_info.get('exception_message')}"
            )
        if not outcome.success:
            failed.append(outcome)
    return failed
