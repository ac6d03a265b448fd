"""The house's layers, read from the code's own imports (inside functions too), so a change that breaks
one fails here rather than in a reviewer's memory (docs/architecture.md states the rules):

- photoflow's packages import each other without a cycle;
- `schemas` never imports the `migrations` that import it, nor the domain above it;
- domain code has no Prefect in it: only `photoflow/cli` and the demo in `photoflow/sandbox` start
  flows, and nothing of the product imports the stand-ins of `photoflow/sandbox` but the CLI commands
  that serve them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from tests.paths import PROJECT

PHOTOFLOW = PROJECT / "photoflow"
# where the product's entry points start flows and stand-ins; everything else in photoflow/ is domain
ENTRY_POINTS = ("cli", "sandbox")


def imported_modules(path: Path) -> Iterator[str]:
    """Every module a file imports, `from a.b import c` giving both `a.b` and `a.b.c`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _unit(path: Path) -> str:
    """photoflow/quality/stage.py -> quality; photoflow/state.py -> state."""
    return path.relative_to(PHOTOFLOW).parts[0].removesuffix(".py")


def package_imports() -> dict[str, set[str]]:
    """Each top-level package or module of photoflow -> the other ones it imports."""
    units = {_unit(path) for path in PHOTOFLOW.rglob("*.py")}
    imports: dict[str, set[str]] = defaultdict(set)
    for path in PHOTOFLOW.rglob("*.py"):
        unit = _unit(path)
        for name in imported_modules(path):
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


def offenders(folder: Path, forbidden: tuple[str, ...], *, skip: tuple[str, ...] = ()) -> set[str]:
    """`file imports module` for each import under `folder` of a module at or below one in `forbidden`."""
    return {
        f"{folder.name}/{path.relative_to(folder).as_posix()} imports {module}"
        for path in sorted(folder.rglob("*.py"))
        if not path.relative_to(folder).as_posix().startswith(skip)
        for module in imported_modules(path)
        if any(module == name or module.startswith(f"{name}.") for name in forbidden)
    }


def test_photoflow_packages_import_each_other_without_a_cycle():
    imports = package_imports()
    assert len(imports) > 10, "the scan reads photoflow's imports"
    cycle = find_cycle(imports)
    assert cycle is None, " -> ".join(cycle or [])


def test_a_cycle_is_found_however_long():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}}) is None


def test_schemas_never_import_the_migrations_that_import_them():
    """The revisions import the tables; an engine that migrated itself made `schemas` import them back."""
    assert offenders(PROJECT / "schemas", ("migrations",)) == set()


def test_schemas_stand_below_the_domain():
    """Tables, enums and reasons are the nouns every layer shares; they name no flow, task or domain module
    (`photoflow.errors`, the exception types, is the one shared piece below them)."""
    forbidden = ("flows", "tasks", *(f"photoflow.{unit}" for unit in package_imports() if unit != "errors"))
    assert offenders(PROJECT / "schemas", forbidden) == set()


def test_domain_code_has_no_prefect_and_no_stand_ins():
    """Flows and tasks call the domain, never the reverse; only the CLI and the demo start flows, and only
    the CLI's simulator commands and the demo reach the stand-ins."""
    forbidden = ("prefect", "prefect_dask", "flows", "tasks", "photoflow.sandbox")
    assert offenders(PHOTOFLOW, forbidden, skip=ENTRY_POINTS) == set()
    assert offenders(PROJECT / "tasks", ("photoflow.sandbox", "flows")) == set()
    assert offenders(PROJECT / "flows", ("photoflow.sandbox",)) == set()


def test_the_scan_sees_a_forbidden_import(tmp_path):
    """The checks above would pass on an empty scan; this one shows the scan reads what it must."""
    module = tmp_path / "pkg" / "module.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from prefect import flow\n\nimport migrations.env\n")
    where = f"{tmp_path.name}/pkg/module.py"
    assert offenders(tmp_path, ("prefect", "migrations")) == {
        f"{where} imports prefect",
        f"{where} imports prefect.flow",
        f"{where} imports migrations.env",
    }
