"""The `photoflow` command: one entry point for ops staff and institution admins."""

from __future__ import annotations

import sys
import traceback
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from photoflow.cli.approval import approval_app
from photoflow.cli.billing import billing_command
from photoflow.cli.downloads import download_app
from photoflow.cli.enrollment import enrollment_app
from photoflow.cli.exports import export_app
from photoflow.cli.id_registry import id_registry_app
from photoflow.cli.notify import notify_app
from photoflow.cli.options import JsonOption, WideOption, YesOption, confirm, parse_choice
from photoflow.cli.prints import print_app
from photoflow.cli.progress import progress
from photoflow.cli.registry import registry_app
from photoflow.cli.registry_sim import registry_sim
from photoflow.cli.report import report
from photoflow.cli.similarity import compare, held_app, manual_app, similarity_app
from photoflow.cli.users import user_app
from photoflow.errors import PhotoflowError
from photoflow.settings import configure_prefect, get_settings

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
VERBOSE_HELP = "Show Prefect's and the libraries' logs on stderr too (always in DATA_DIR/logs/photoflow.log)."


@app.callback()
def photoflow_options(
    ctx: typer.Context,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", envvar="PHOTOFLOW_VERBOSE", help=VERBOSE_HELP),
    ] = False,
) -> None:
    """Graduation-photo collection: rosters, three-stage review, registry submission, deliverables."""
    from photoflow.cli.bars import terminal_bars
    from photoflow.log_file import logs_to_file

    ctx.with_resource(logs_to_file(get_settings(), verbose=verbose))
    ctx.with_resource(terminal_bars(ctx.meta))


db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
contract_app = typer.Typer(no_args_is_help=True, help="Contracts with institutions.")
template_app = typer.Typer(no_args_is_help=True, help="Blank templates for institutions to fill.")
roster_app = typer.Typer(no_args_is_help=True, help="Roster uploads: upload, list, show, delete.")
app.add_typer(db_app, name="db")
app.add_typer(contract_app, name="contract")
app.add_typer(template_app, name="template")
app.add_typer(roster_app, name="roster")
photo_app = typer.Typer(no_args_is_help=True, help="Photos: receive a folder or zip, add one, review.")
app.add_typer(photo_app, name="photo")
app.add_typer(enrollment_app, name="enrollment")
app.add_typer(id_registry_app, name="id-registry")
app.add_typer(similarity_app, name="similarity")
app.add_typer(held_app, name="held")
app.add_typer(manual_app, name="manual")
app.add_typer(approval_app, name="approval")
app.add_typer(user_app, name="user")
app.add_typer(registry_app, name="registry")
app.add_typer(notify_app, name="notify")
app.add_typer(print_app, name="print")
app.add_typer(download_app, name="download")
app.add_typer(export_app, name="export")
app.command("compare")(compare)
app.command("registry-sim")(registry_sim)
app.command("billing")(billing_command)
app.command("progress")(progress)
app.command("report")(report)

InstitutionOption = Annotated[str, typer.Option("--institution", help="5-digit institution code (院校代码).")]
LearningCentreOption = Annotated[
    str, typer.Option("--learning-centre", help="Learning centre (教学点), if any.")
]
CategoryOption = Annotated[
    str,
    typer.Option(
        "--category", help="Education category: regular, adult, ... or 普通高等教育, 成人高等教育, ..."
    ),
]


def _category(text: str):
    from schemas.enums import EducationCategory

    return parse_choice(EducationCategory, text, "--category")


def _institution(code: str) -> str:
    if not (len(code) == 5 and code.isdigit()):
        raise typer.BadParameter(f"'{code}' is not a 5-digit institution code", param_hint="--institution")
    return code


def _require_contract(institution: str, category: str) -> tuple[str, str]:
    """Refuse before starting Prefect (which takes seconds) when there is no active contract."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import active_contract
    from schemas.db import session_scope

    code, parsed = _institution(institution), _category(category)
    with session_scope(default_engine()) as session:
        active_contract(session, code, parsed, date.today())
    return code, parsed.value


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or migrate it to the newest schema."""
    from photoflow.database import get_engine

    engine = get_engine(get_settings().db_url)
    typer.echo(f"database at newest schema: {engine.url.render_as_string(hide_password=True)}")


@contract_app.command("add")
def contract_add(
    institution: InstitutionOption,
    name: Annotated[str, typer.Option(help="Institution name (院校名称).")],
    category: CategoryOption,
    price: Annotated[str, typer.Option(help="Price per photo, e.g. 30.00.")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="Last day of the contract, YYYY-MM-DD.")],
    services: Annotated[
        str, typer.Option(help="Comparison services: id, enrollment, or id,enrollment.")
    ] = "",
    interception: Annotated[
        str, typer.Option(help="Hold dubious comparisons for an admin: on or off.")
    ] = "off",
    delegation_letter: Annotated[
        bool,
        typer.Option("--delegation-letter/--no-delegation-letter", help="Signed delegation letter received."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Register or renew an institution's contract for one education category."""
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine
    from photoflow.institution_contracts import SERVICES, add_contract
    from photoflow.institution_contracts_view import contract_out
    from schemas.db import session_scope

    try:
        amount = Decimal(price)
    except InvalidOperation:
        raise typer.BadParameter(f"'{price}' is not an amount such as 30.00", param_hint="--price") from None
    try:
        until = date.fromisoformat(valid_until)
    except ValueError:
        raise typer.BadParameter(
            f"'{valid_until}' is not a date YYYY-MM-DD", param_hint="--valid-until"
        ) from None
    wanted = frozenset(s.strip() for s in services.split(",") if s.strip())
    if wanted - SERVICES.keys():
        raise typer.BadParameter(
            f"unknown service(s) {', '.join(sorted(wanted - SERVICES.keys()))}", param_hint="--services"
        )
    if interception not in ("on", "off"):
        raise typer.BadParameter("use on or off", param_hint="--interception")
    with session_scope(default_engine()) as session:
        contract = add_contract(
            session,
            institution_code=_institution(institution),
            institution_name=name.strip(),
            category=_category(category),
            price_per_photo=amount,
            valid_until=until,
            services=wanted,
            interception=interception == "on",
            delegation_letter_received=delegation_letter,
        )
        out = contract_out(contract, name.strip(), date.today())
    if as_json:
        emit_json(out)
    else:
        state = "active" if out.active else "EXPIRED"
        typer.echo(
            f"contract {out.institution} {out.name} · {out.category_label} · {out.price_per_photo}/photo · "
            f"valid until {out.valid_until} ({state})"
        )


@contract_app.command("interception")
def contract_interception(
    institution: InstitutionOption,
    state: Annotated[
        str, typer.Argument(help="on: hold dubious comparisons for an admin; off: let all go on.")
    ],
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category's contract; all of them if left out.")
    ] = None,
) -> None:
    """Turn comparison interception (拦截上网) on or off for an institution."""
    from photoflow.database import default_engine
    from photoflow.institution_contracts import set_interception
    from schemas.db import session_scope

    if state not in ("on", "off"):
        raise typer.BadParameter("use on or off", param_hint="STATE")
    parsed = _category(category) if category else None
    with session_scope(default_engine()) as session:
        changed = set_interception(session, _institution(institution), parsed, state == "on")
        labels = ", ".join(contract.category.label for contract in changed)
    typer.echo(f"interception {state} for institution {institution}: {labels}")


@contract_app.command("list")
def contract_list(wide: WideOption = False, as_json: JsonOption = False) -> None:
    """List contracts and whether each is active today (--wide: services and interception too)."""
    from photoflow.cli.output import FitTable, emit_json, show_table
    from photoflow.database import default_engine
    from photoflow.institution_contracts import list_contracts
    from photoflow.institution_contracts_view import contract_out
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        rows = [contract_out(c, i.name, date.today()) for c, i in list_contracts(session)]
    if as_json:
        emit_json(rows)
        return
    table = FitTable(
        "Code",
        "Name",
        "Category",
        "Price",
        "Valid until",
        "Active",
        "Services",
        "Interception",
        extra=("Services", "Interception"),
        wide=wide,
    )
    for r in rows:
        table.add_row(
            r.institution,
            escape(r.name),
            r.category_label if wide else _category(r.category).zh,
            r.price_per_photo,
            r.valid_until,
            "yes" if r.active else "no",
            ",".join(r.services) or "-",
            "on" if r.interception else "off",
        )
    show_table(table)


@template_app.command("roster")
def template_roster(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the .xlsx template.")],
) -> None:
    """Write the roster template: Chinese headers, ID numbers as text, input hints, drop-downs."""
    from photoflow.roster.workbook import write_roster_workbook

    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the template is an Excel workbook: name it *.xlsx", param_hint="--output")
    write_roster_workbook(output)
    typer.echo(f"roster template written to {output}")


@roster_app.command("upload")
def roster_upload(
    file: Annotated[Path, typer.Argument(help="The roster, .xlsx or .csv (UTF-8, UTF-8 with BOM, or GBK).")],
    institution: InstitutionOption,
    category: CategoryOption,
    learning_centre: LearningCentreOption = "",
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """Check every row of a roster against the data contract and add the good rows to the batch."""
    from photoflow.cli.output import emit_json, show_upload

    if file.is_dir():
        from photoflow.roster.staging import FOLDER_NOT_ROSTER

        raise PhotoflowError(f"{file}: {FOLDER_NOT_ROSTER}")
    if not file.is_file():
        raise PhotoflowError(f"{file}: no such file")
    code, parsed = _require_contract(institution, category)
    from flows.roster_upload import roster_upload_flow
    from photoflow.roster.ingest import RosterRefused

    try:
        report = roster_upload_flow(
            str(file.resolve()), code, parsed, learning_centre=learning_centre.strip(), file_name=file.name
        )
    except RosterRefused as refusal:  # its flow run is Failed; people see the rejected upload's report
        report = refusal.report
    emit_json(report) if as_json else show_upload(report, wide=wide)
    if report.error_message:
        raise typer.Exit(code=1)


@roster_app.command("list")
def roster_list(
    institution: Annotated[str | None, typer.Option(help="Only this institution's uploads.")] = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """List roster uploads with their batch_id (what the batch commands take) and totals."""
    from photoflow.cli.output import emit_json, show_uploads
    from photoflow.database import default_engine
    from photoflow.roster.uploads import list_uploads
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        reports = list_uploads(session, institution)
    emit_json(reports) if as_json else show_uploads(reports, wide=wide)


@roster_app.command("show")
def roster_show(upload_id: int, wide: WideOption = False, as_json: JsonOption = False) -> None:
    """Show one upload's report, with every failed row and why."""
    from photoflow.cli.output import emit_json, show_upload
    from photoflow.database import default_engine
    from photoflow.roster.uploads import upload_report
    from schemas.db import session_scope

    with session_scope(default_engine()) as session:
        report = upload_report(session, upload_id)
    emit_json(report) if as_json else show_upload(report, wide=wide)


@roster_app.command("delete")
def roster_delete(upload_id: int, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Delete an upload: its records without a photo are removed; the others are kept and listed."""
    from photoflow.cli.output import emit_json, show_deletion
    from photoflow.database import default_engine
    from photoflow.roster.uploads import delete_upload, deletion_preview, upload_report
    from schemas.db import session_scope

    if not yes:
        with session_scope(default_engine()) as session:
            name, plan = upload_report(session, upload_id).file_name, deletion_preview(session, upload_id)
        confirm(
            f"Delete roster upload {upload_id} ({name}): remove {plan.removed} record(s) still awaiting "
            f"a photo, keep {len(plan.kept)} that already have one"
        )
    with session_scope(default_engine()) as session:
        report = delete_upload(session, upload_id, actor=get_settings().actor)
    emit_json(report) if as_json else show_deletion(report)


@app.command("demo")
def demo(
    workdir: Annotated[
        Path | None, typer.Option(help="Folder for the demo's database and files (emptied first).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run one batch of 50 students through the whole DAG in a fresh folder and print what happened."""
    from photoflow.cli.output import emit_json
    from photoflow.sandbox.demo import run_demo

    result = run_demo(workdir or get_settings().data_dir / "demo")
    if as_json:
        emit_json(result)
        return
    from photoflow.cli.demo import show_demo

    show_demo(result)


def _run_photo_intake(
    source: Path,
    institution: str,
    category: str,
    learning_centre: str,
    id_number: str | None,
    wide: bool,
    as_json: bool,
) -> None:
    from photoflow.cli.output import emit_json, show_photo_intake

    code, parsed = _require_contract(institution, category)
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
        outcome = photo_intake_flow(  # the record by id: Prefect keeps and shows a run's parameters
            str(given), code, parsed, learning_centre=learning_centre.strip(), record_id=record_id
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
    from photoflow.cli.output import emit_json, show_auto_review

    code, parsed = _require_contract(institution, category)
    from flows.auto_review import auto_review_flow

    report = auto_review_flow(code, parsed, learning_centre.strip())
    emit_json(report) if as_json else show_auto_review(report)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Start the web app: the manual review queue, held records, interception and progress pages."""
    from photoflow.web.serve import serve as run_app

    run_app(get_settings(), host=host, port=port)


@app.command("check")
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
    """Standardise photos to the registry spec and run stage 1 on them, without a batch."""
    from photoflow.cli.output import emit_json_list, show_checks
    from photoflow.quality.check_files import check_files

    try:
        results = check_files(photos, out.resolve(), background=background)  # --json paths in full
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--background") from None
    emit_json_list(results) if as_json else show_checks(results)
    if not all(result.passed for result in results):
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point: people see a short message for any error, never a traceback."""
    settings = get_settings()
    configure_prefect(settings)
    try:
        outcome = app(standalone_mode=False)  # returns a typer.Exit's code instead of raising it
    except PhotoflowError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.TyperException as error:  # usage errors: bad option values, unknown commands
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:
        log = settings.data_dir / "logs" / "errors.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        typer.echo(f"error: unexpected {type(error).__name__}: {error} (details in {log})", err=True)
        sys.exit(2)
    sys.exit(outcome if isinstance(outcome, int) else 0)
