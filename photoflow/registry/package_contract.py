"""Check a package's entries against the registry's rules before it is sent.

An entry that breaks a rule would be refused by the registry anyway, and sending it again would not
help; finding it here names the entry and the rule, and keeps the rest of the package going.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from photoflow.gx_runner import failed_expectations
from photoflow.registry.packages import PackageEntry

KEY = "idempotency_key"
RULES = {
    "expect_column_values_to_match_regex": "{column} has the wrong format",
    "expect_column_values_to_be_unique": "{column} appears twice in the package",
    "expect_column_values_to_be_between": "{column} is outside {min_value}-{max_value}",
    "expect_column_values_to_not_be_null": "{column} is missing",
    "expect_column_value_lengths_to_be_between": "{column} must be {min_value}-{max_value} characters long",
}


def package_problems(entries: Sequence[PackageEntry]) -> dict[str, list[str]]:
    """Idempotency key -> the rules its entry breaks; empty when every entry keeps them."""
    from data_contracts.submission_suite import build_submission_suite

    if not entries:
        return {}
    frame = pd.DataFrame([entry.manifest_entry() for entry in entries])
    problems: dict[str, list[str]] = {}
    for outcome in failed_expectations(build_submission_suite, frame, KEY):
        config = outcome.expectation_config
        values = {
            name: f"{value:g}" if isinstance(value, float) else value for name, value in config.kwargs.items()
        }
        rule = RULES[config.type].format(**values)
        for hit in outcome.result.get("unexpected_index_list") or []:
            problems.setdefault(hit[KEY], []).append(rule)
    return problems
