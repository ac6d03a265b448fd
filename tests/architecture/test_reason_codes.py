"""Every reason code in `schemas/reasons/` reads the same way: its stored value, 中文, English and a fix hint.

The enums are found by walking the package, so a new family of reasons is held to this without being
listed here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import schemas.reasons
from schemas.reasons import ReasonEnum

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _reason_enums() -> list[type[ReasonEnum]]:
    found: dict[str, type[ReasonEnum]] = {}
    for info in pkgutil.iter_modules(schemas.reasons.__path__, f"{schemas.reasons.__name__}."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, ReasonEnum) and cls is not ReasonEnum:
                found[cls.__qualname__] = cls
    return [found[name] for name in sorted(found)]


REASON_ENUMS = _reason_enums()


def test_the_package_holds_every_family_of_reasons() -> None:
    assert {cls.__name__ for cls in REASON_ENUMS} >= {
        "FileProblem",
        "FusionReason",
        "ManualRejectReason",
        "PasswordRule",
        "PhotoReason",
        "RosterProblem",
        "TamperReason",
    }


@pytest.mark.parametrize("reasons", REASON_ENUMS, ids=lambda cls: cls.__name__)
def test_every_reason_has_chinese_english_and_a_fix_hint(reasons: type[ReasonEnum]) -> None:
    assert len(reasons) > 0
    for reason in reasons:
        assert reason.zh.strip() and CHINESE.search(reason.zh), f"{reason!r}: no Chinese message"
        assert reason.en.strip() and not CHINESE.search(reason.en), f"{reason!r}: no English message"
        assert reason.hint.strip(), f"{reason!r}: no fix hint"
        assert reason.label == f"{reason.zh} / {reason.en}"


@pytest.mark.parametrize("reasons", REASON_ENUMS, ids=lambda cls: cls.__name__)
def test_a_stored_value_reads_back_as_its_reason(reasons: type[ReasonEnum]) -> None:
    for reason in reasons:
        assert reasons(reason.value) is reason and reason == reason.value
