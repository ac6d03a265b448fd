"""The `photoflow` command: one entry point for ops staff and institution admins.

Each command group is a module of this package holding its commands and how they show their results
(`roster`, `photos`, `similarity`, `registry`, ...); options several groups share are in `options`,
tables and JSON output they share in `output`. This module puts the groups under one app and is the
error boundary: `main` turns any error into a short message and an exit code.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from photoflow import storage
from photoflow.cli import (
    approval,
    billing,
    contracts,
    db,
    demo,
    downloads,
    enrollment,
    exports,
    id_registry,
    notify,
    photos,
    prints,
    progress,
    registry,
    registry_sim,
    report,
    roster,
    serve,
    similarity,
    users,
)
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


app.add_typer(db.db_app, name="db")
app.add_typer(contracts.contract_app, name="contract")
app.add_typer(roster.template_app, name="template")
app.add_typer(roster.roster_app, name="roster")
app.add_typer(photos.photo_app, name="photo")
app.add_typer(enrollment.enrollment_app, name="enrollment")
app.add_typer(id_registry.id_registry_app, name="id-registry")
app.add_typer(similarity.similarity_app, name="similarity")
app.add_typer(similarity.held_app, name="held")
app.add_typer(similarity.manual_app, name="manual")
app.add_typer(approval.approval_app, name="approval")
app.add_typer(users.user_app, name="user")
app.add_typer(registry.registry_app, name="registry")
app.add_typer(notify.notify_app, name="notify")
app.add_typer(prints.print_app, name="print")
app.add_typer(downloads.download_app, name="download")
app.add_typer(exports.export_app, name="export")
app.command("compare")(similarity.compare)
app.command("registry-sim")(registry_sim.registry_sim)
app.command("billing")(billing.billing_command)
app.command("progress")(progress.progress)
app.command("report")(report.report)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("check")(photos.check)


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
        # typer raises only its vendored click's exceptions here, which show themselves; it exports
        # their base class, TyperException, alone, and that one has no show()
        error.show()  # type: ignore[attr-defined]
        sys.exit(error.exit_code)
    except Exception as error:
        log = storage.make_dir(storage.logs_dir(settings.data_dir)) / "errors.log"
        with log.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc() + "\n")
        typer.echo(f"error: unexpected {type(error).__name__}: {error} (details in {log})", err=True)
        sys.exit(2)
    sys.exit(outcome if isinstance(outcome, int) else 0)
