"""The roster data contract as a Great Expectations suite, built from `ROSTER_COLUMNS`.

GX checks what it can express per column (required, length, pattern, choices); the checks it cannot
(ID checksum and birth date, duplicates, the upload's institution and category) live in
`photoflow.roster.row_checks`. Import cost is seconds, so only the validator imports this module.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from data_contracts.roster_columns import ROSTER_COLUMNS

SUITE_NAME = "roster_rows"


def roster_expectations() -> list[gxe.Expectation]:
    """One expectation per rule; each carries its column so failures map back to a cell."""
    expectations: list[gxe.Expectation] = []
    for column in ROSTER_COLUMNS:
        if column.required:
            expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column.field))
        expectations.append(
            gxe.ExpectColumnValueLengthsToBeBetween(
                column=column.field, min_value=1, max_value=column.max_length
            )
        )
        if column.pattern:
            expectations.append(gxe.ExpectColumnValuesToMatchRegex(column=column.field, regex=column.pattern))
        if column.choices:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(column=column.field, value_set=list(column.choices))
            )
    return expectations


def build_roster_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=SUITE_NAME, expectations=roster_expectations())
