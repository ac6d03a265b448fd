"""`photoflow photo` and `photoflow check`: receive photos for a batch and run stage 1 on them, or check
loose photo files against the spec without a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

from photoflow.cli.options import (
    CategoryOption,
    InstitutionOption,
    JsonOption,
    LearningCentreOption,
    WideOption,
    require_contract,
)
from photoflow.cli.output import (
    MAX_ERRORS_SHOWN,
    FitTable,
    console,
    emit_json,
    emit_json_list,
    show_refused_files,
    show_table,
)
from photoflow.errors import PhotoflowError
from photoflow.settings import get_settings
from schemas.check_reports import CheckOut, CheckVerdict
from schemas.reports import AutoReviewReport, IntakeReport, PhotoIntakeOutcome, ReviewedAttempt

photo_app = typer.Typer(no_args_is_help=True, help="Photos: receive a folder or zip, add one, review.")


def _run_photo_intake(
    source: Path,
    institution: str,
    category: str,
    learning_centre: str,
    id_number: str | None,
    wide: bool,
    as_json: bool,
) -> None:
    code, parsed = require_contract(institution, category)
    from photoflow.database import default_engine
    from photoflow.photos.intake import check_intake

    record_id = check_intake(
        default_engine(),
        get_settings(),
        institution_code=code,
        category=parsed,
        learning_centre=learning_centre.strip(),
        source=source,
        id_number=id_number,
    )
    from contextlib import nullcontext

    from flows.photo_intake import photo_intake_flow
    from photoflow.photos.run_inputs import without_id_numbers

    with without_id_numbers(source) if record_id is not None else nullcontext(source.resolve()) as given:
        outcome = cast(  # a refusal's Failed state is raised at the call, never returned
            PhotoIntakeOutcome,
            photo_intake_flow(  # the record by id: Prefect keeps and shows a run's parameters
                str(given), code, parsed, learning_centre=learning_centre.strip(), record_id=record_id
            ),
        )
    emit_json(outcome) if as_json else show_photo_intake(outcome, wide=wide)


@photo_app.command("intake")
def photo_intake(
    source: Annotated[
        Path, typer.Argument(help="A folder or .zip of photos named by ID number or collection code.")
    ],
    institution: InstitutionOption,
    category: CategoryOption,
    learning_centre: LearningCentreOption = "",
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Match each photo to its student, keep the original, and run stage 1 automatic review."""
    if not source.exists():
        raise PhotoflowError(f"{source}: no such folder or file")
    _run_photo_intake(source, institution, category, learning_centre, None, wide, as_json)


@photo_app.command("add")
def photo_add(
    file: Annotated[Path, typer.Argument(help="One photo (JPEG, PNG or WebP).")],
    id_number: Annotated[str, typer.Option("--id-number", help="The student's ID number (证件号).")],
    institution: InstitutionOption,
    category: CategoryOption,
    learning_centre: LearningCentreOption = "",
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Add one photo for one student and run stage 1 automatic review on it."""
    if not file.is_file():
        raise PhotoflowError(f"{file}: no such file")
    _run_photo_intake(file, institution, category, learning_centre, id_number, wide, as_json)


@photo_app.command("review")
def photo_review(
    institution: InstitutionOption,
    category: CategoryOption,
    learning_centre: LearningCentreOption = "",
    as_json: JsonOption = False,
) -> None:
    """Run stage 1 on every attempt of the batch still waiting for it (finishes an interrupted run)."""
    code, parsed = require_contract(institution, category)
    from flows.auto_review import auto_review_flow

    report = auto_review_flow(code, parsed, learning_centre.strip())
    emit_json(report) if as_json else show_auto_review(report)


def check(
    photos: Annotated[list[Path], typer.Argument(help="Photo files to check.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for spec images and overlays.")] = Path(
        "checked"
    ),
    background: Annotated[
        str | None, typer.Option(help="Background colour: light_blue (default), white, light_grey.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run what the pipeline runs before a reviewer (standardisation, stage 1, the tamper check) on photos,
    without a batch; exits 1 unless every photo would pass."""
    from photoflow.quality.check_files import check_files

    try:
        results = check_files(photos, out.resolve(), background=background)  # --json paths in full
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--background") from None
    emit_json_list(results) if as_json else show_checks(results)
    if not all(result.passed for result in results):
        raise typer.Exit(code=1)


def show_intake(report: IntakeReport, *, wide: bool = False) -> None:
    console.print(
        f"[bold]Photo intake {report.intake_id}[/bold] {report.source_name} · "
        f"文件 files {report.total} · 接收 accepted {report.accepted} · "
        f"未变化 unchanged {report.unchanged} · "
        f"未接收 not accepted {report.not_accepted}"
    )
    show_refused_files(report.problems, wide=wide)


def show_auto_review(report: AutoReviewReport) -> None:
    from schemas.reasons import PhotoReason

    console.print(
        f"[bold]Automatic review[/bold] batch {report.batch_id} · 审核 reviewed {report.reviewed} · "
        f"通过 passed {report.passed} · 需重拍 reshoot {report.rejected}"
    )
    rejected = [item for item in report.attempts if not item.passed]
    if rejected:
        table = FitTable("Attempt", "文件 File", "原因 Reasons")
        for item in rejected[:MAX_ERRORS_SHOWN]:
            reasons = "\n".join(PhotoReason(code).label for code in item.reasons)
            table.add_row(str(item.attempt_id), item.file_name, reasons)
        show_table(table)
    show_framing_refusals(rejected)


def show_framing_refusals(rejected: list[ReviewedAttempt]) -> None:
    """Name the photos refused because the original cannot fill the registry's frame, apart: they are
    not faults of the face but of how the photo was taken, and the student's fix is the hint."""
    from schemas.reasons import PhotoReason

    framing = (PhotoReason.CROPPED_TOO_TIGHT, PhotoReason.HEAD_CUT_OFF, PhotoReason.HEAD_TOO_CLOSE_TO_TOP)
    for reason in framing:
        files = [item.file_name for item in rejected if reason in item.reasons]
        if files:
            named = escape(", ".join(files[:MAX_ERRORS_SHOWN]))
            console.print(f"  取景 framing · {len(files)} photo(s): {named}")
            console.print(f"    {reason.label}\n    {reason.hint}")


def show_photo_intake(outcome: PhotoIntakeOutcome, *, wide: bool = False) -> None:
    show_intake(outcome.intake, wide=wide)
    if outcome.review is not None:
        show_auto_review(outcome.review)


def show_checks(results: list[CheckOut]) -> None:
    for result in results:
        verdict = CheckVerdict(result.verdict)
        colour = "green" if result.passed else "red"
        console.print(f"[bold]{result.file}[/bold]: [{colour}]{verdict.zh} {verdict.en}[/{colour}]")
        if result.message:
            console.print(f"  {result.message}")
        for reason in result.reasons:
            found_by = "修图检测 tamper check: " if reason.source == "tamper" else ""
            console.print(f"  - {found_by}{reason.zh} / {reason.en}: {reason.hint}", markup=False)
        if result.tamper is not None and result.tamper.flagged:
            console.print(f"  修图检测分数 tamper score {result.tamper.score:.1f} / 100")
        if result.standardised:
            console.print(f"  standard image / 标准照: {result.standardised}")
        if result.overlay:
            console.print(f"  overlay / 标注图: {result.overlay}")
