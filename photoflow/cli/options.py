"""Command-line options every `photoflow` command group shares, declared once.

A module of its own because `photoflow.cli` imports the command groups (enrollment, id-registry,
similarity), which therefore cannot import from it.
"""

from __future__ import annotations

import sys
from typing import Annotated, TypeVar

import typer

from photoflow.errors import PhotoflowError
from schemas.labels import LabelledEnum

Labelled = TypeVar("Labelled", bound=LabelledEnum)

JSON_OUTPUT = "photoflow.json"  # in the command line's shared `ctx.meta`: --json was given


def _json_output(ctx: typer.Context, value: bool) -> bool:
    """JSON is for scripts: noted for photoflow.cli.bars, which then draws no progress bars."""
    ctx.meta[JSON_OUTPUT] = value
    return value


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of tables or text.", callback=_json_output)
]
WideOption = Annotated[
    bool, typer.Option("--wide", help="Every column of the table (by default it fits 80 columns).")
]
YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask first (for scripts).")]
StatusOption = Annotated[
    list[str] | None,
    typer.Option("--status", help="Only records in this status (value or 中文 label); repeat for more."),
]
SearchOption = Annotated[
    str, typer.Option("--search", help="A name (or part), or an ID number (or its end).")
]
LearningCentreFilter = Annotated[str | None, typer.Option("--learning-centre", help="Only this 教学点.")]
DepartmentFilter = Annotated[str | None, typer.Option("--department", help="Only this 院系.")]
MajorFilter = Annotated[str | None, typer.Option("--major", help="Only this 专业.")]
ClassFilter = Annotated[str | None, typer.Option("--class", help="Only this 班级.")]
EntryYearFilter = Annotated[int | None, typer.Option("--entry-year", help="Only this 入学年份.")]
BatchOption = Annotated[
    int,
    typer.Option(
        "--batch", help="Batch ID (each roster upload's batch_id in `photoflow roster list --json`)."
    ),
]


def existing_batch(batch_id: int) -> int:
    """The batch ID, once checked to exist (else a `NotFoundError` naming it)."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import require_batch
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        require_batch(session, batch_id)
    return batch_id


def parse_choice(choices: type[Labelled], text: str, option: str) -> Labelled:
    """`text` as a member of `choices` (by value, Chinese or English label), or a usage error naming them."""
    try:
        return choices.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def confirm(action: str) -> None:
    """Ask before `action` (what it will do, in a sentence); go on only on a yes.

    Without a terminal there is no one to ask: a prompt would read the next line of a pipe as the
    answer, or end in a bare "aborted". So it refuses, naming --yes, and the command exits 1.
    """
    if not sys.stdin.isatty():
        raise PhotoflowError(f"{action}: not done, as there is no terminal to ask on; add --yes to go ahead")
    if not typer.confirm(f"{action}. Go on?"):
        raise typer.Abort()
