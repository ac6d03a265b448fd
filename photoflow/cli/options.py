"""Command-line options several `photoflow` command groups share, and the checks of their values.

A module of its own because `photoflow.cli` imports every command group, which therefore cannot import
from it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from photoflow.errors import PhotoflowError
from schemas.labels import LabelledEnum

if TYPE_CHECKING:
    from photoflow.records_filter import RecordFilter
    from schemas.enums import EducationCategory

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
BatchOption = Annotated[
    int,
    typer.Option(
        "--batch", help="Batch ID (each roster upload's batch_id in `photoflow roster list --json`)."
    ),
]
InstitutionOption = Annotated[str, typer.Option("--institution", help="5-digit institution code (院校代码).")]
CategoryOption = Annotated[
    str,
    typer.Option(
        "--category", help="Education category: regular, adult, ... or 普通高等教育, 成人高等教育, ..."
    ),
]
LearningCentreOption = Annotated[
    str, typer.Option("--learning-centre", help="Learning centre (教学点), if any.")
]

# The record filter (photoflow.records_filter): the options that `export`, `progress` and `print
# request` choose records with. Each command takes the ones it offers, under these parameter names
# (`institution`, `category`, `batch`, `status`, `search`, `learning_centre`, ...), and
# `record_filter(ctx.params)` turns them into the one filter.
InstitutionFilter = Annotated[
    str | None, typer.Option("--institution", help="Only this institution (5-digit 院校代码).")
]
CategoryFilter = Annotated[
    str | None,
    typer.Option("--category", help="Only this category: regular, adult, ... or 普通高等教育, ..."),
]
BatchFilter = Annotated[int | None, typer.Option("--batch", help="Only this batch.")]
StatusFilter = Annotated[
    list[str] | None,
    typer.Option("--status", help="Only records in this status (value or 中文 label); repeat for more."),
]
SearchFilter = Annotated[
    str, typer.Option("--search", help="A name (or part), or an ID number (or its end).")
]
LearningCentreFilter = Annotated[str | None, typer.Option("--learning-centre", help="Only this 教学点.")]
DepartmentFilter = Annotated[str | None, typer.Option("--department", help="Only this 院系.")]
MajorFilter = Annotated[str | None, typer.Option("--major", help="Only this 专业.")]
ClassFilter = Annotated[str | None, typer.Option("--class", help="Only this 班级.")]
EntryYearFilter = Annotated[int | None, typer.Option("--entry-year", help="Only this 入学年份.")]


def record_filter(options: Mapping[str, Any], *, check_batch: bool = True) -> RecordFilter:
    """The records a command's filter options pick, from its `ctx.params`: each value checked in the
    order the options are listed (a bad one is a usage error naming it), the batch checked to exist
    unless `check_batch` is off because what the command calls checks it."""
    from photoflow.records_filter import GROUPING, RecordFilter
    from schemas.enums import RecordStatus

    institution, category, batch = (options.get(name) for name in ("institution", "category", "batch"))
    return RecordFilter(
        institution_code=None if institution is None else institution_code(institution),
        category=education_category(category) if category else None,
        batch_id=existing_batch(batch) if check_batch and batch is not None else batch,
        statuses=tuple(parse_choice(RecordStatus, text, "--status") for text in options.get("status") or ()),
        **{name: options[name] for name in ("search", *GROUPING) if name in options},
    )


def existing_batch(batch_id: int) -> int:
    """The batch ID, once checked to exist (else a `NotFoundError` naming it)."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import require_batch
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        require_batch(session, batch_id)
    return batch_id


def institution_code(code: str) -> str:
    """`code` once checked to be a 5-digit institution code (院校代码), else a usage error."""
    if not (len(code) == 5 and code.isdigit()):
        raise typer.BadParameter(f"'{code}' is not a 5-digit institution code", param_hint="--institution")
    return code


def education_category(text: str) -> EducationCategory:
    """The education category `--category` names, by value or label."""
    from schemas.enums import EducationCategory

    return parse_choice(EducationCategory, text, "--category")


def require_contract(institution: str, category: str) -> tuple[str, str]:
    """Refuse before starting Prefect (which takes seconds) when there is no active contract."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import active_contract
    from schemas.db import session_scope

    code, parsed = institution_code(institution), education_category(category)
    with session_scope(default_engine()) as session:
        active_contract(session, code, parsed, date.today())
    return code, parsed.value


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
