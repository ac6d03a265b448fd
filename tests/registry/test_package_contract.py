"""The registry's package rules (the submission suite), checked before a package leaves."""

from __future__ import annotations

from dataclasses import replace

from photoflow.registry.package_contract import package_problems
from tests.registry_helpers import entry, spec_jpeg, spec_sized_jpeg


def test_a_package_of_spec_photos_keeps_every_rule():
    assert package_problems([entry(n, spec_sized_jpeg(n)) for n in range(3)]) == {}


def test_each_broken_rule_is_named_on_the_entry_that_breaks_it():
    sound = [entry(n, spec_sized_jpeg(n)) for n in range(5)]
    twin = replace(sound[1], idempotency_key=sound[4].idempotency_key[::-1])
    broken = [
        sound[0],
        replace(sound[1], registry_key="11010519990101001"),  # 17 characters
        replace(sound[2], photo=spec_jpeg(2)),  # a few KB: under the spec's band
        replace(sound[3], name=""),
        twin,
        replace(twin, idempotency_key=twin.idempotency_key[:31] + "0"),  # the same student twice
    ]

    problems = package_problems(broken)

    assert sound[0].idempotency_key not in problems
    assert problems[broken[1].idempotency_key] == ["registry_key has the wrong format"]
    assert problems[broken[2].idempotency_key] == ["size_bytes is outside 20480-40960"]
    assert problems[broken[3].idempotency_key] == ["name must be 1-50 characters long"]
    assert problems[broken[4].idempotency_key] == ["registry_key appears twice in the package"]
    assert problems[broken[5].idempotency_key] == ["registry_key appears twice in the package"]
