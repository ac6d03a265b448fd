"""photoflow's packages stand in layers: none imports, even inside a function, one that imports it back.

Stage 1 (`quality`) hands its photos to the manual queue (`manual_review`); the queue shows stage 1's
findings by the labels of the measure catalogue in `schemas`, not by importing `quality`.
"""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.paths import PROJECT

PHOTOFLOW = PROJECT / "photoflow"


def _top_level(path_parts: tuple[str, ...]) -> str:
    return path_parts[0].removesuffix(".py")


def package_imports() -> dict[str, set[str]]:
    """Each top-level package or module of photoflow -> the other ones it imports."""
    units = {_top_level(path.relative_to(PHOTOFLOW).parts) for path in PHOTOFLOW.rglob("*.py")}
    imports: dict[str, set[str]] = defaultdict(set)
    for path in PHOTOFLOW.rglob("*.py"):
        unit = _top_level(path.relative_to(PHOTOFLOW).parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "photoflow" and len(parts) > 1 and parts[1] in units and parts[1] != unit:
                    imports[unit].add(parts[1])
    return imports


def find_cycle(imports: dict[str, set[str]]) -> list[str] | None:
    """One chain of imports that comes back to where it started, or None."""
    done: set[str] = set()

    def visit(unit: str, chain: list[str]) -> list[str] | None:
        if unit in chain:
            return [*chain[chain.index(unit) :], unit]
        if unit in done:
            return None
        for imported in sorted(imports.get(unit, ())):
            if cycle := visit(imported, [*chain, unit]):
                return cycle
        done.add(unit)
        return None

    return next((cycle for unit in sorted(imports) if (cycle := visit(unit, []))), None)


def test_photoflow_packages_import_each_other_without_a_cycle():
    imports = package_imports()
    assert len(imports) > 10, "the scan reads photoflow's imports"
    cycle = find_cycle(imports)
    assert cycle is None, " -> ".join(cycle or [])


def test_a_cycle_is_found_however_long():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}}) is None
