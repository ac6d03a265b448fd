"""The registry's package rules as a Great Expectations suite over a package's manifest entries.

One row per entry (the manifest's fields, see `docs/registry_api.md`); the rules are the registry's:
photos named by the registry key (the 18-character ID number) and nothing else, one entry per key,
spec JPEGs inside the spec's file-size band, and hashes and idempotency keys in their formats.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from data_contracts.photo_spec import load_photo_spec

SUITE_NAME = "submission_package"
ID_NUMBER = r"^\d{17}[0-9X]$"


def submission_expectations() -> list[gxe.Expectation]:
    spec = load_photo_spec().image
    return [
        gxe.ExpectColumnValuesToMatchRegex(column="registry_key", regex=ID_NUMBER),
        gxe.ExpectColumnValuesToBeUnique(column="registry_key"),
        gxe.ExpectColumnValuesToMatchRegex(column="idempotency_key", regex=r"^[0-9a-f]{32}$"),
        gxe.ExpectColumnValuesToBeUnique(column="idempotency_key"),
        gxe.ExpectColumnValuesToMatchRegex(column="sha256", regex=r"^[0-9a-f]{64}$"),
        gxe.ExpectColumnValuesToBeBetween(
            column="size_bytes", min_value=int(spec.min_kb * 1024), max_value=int(spec.max_kb * 1024)
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="name"),
        gxe.ExpectColumnValueLengthsToBeBetween(column="name", min_value=1, max_value=50),
    ]


def build_submission_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=SUITE_NAME, expectations=submission_expectations())
