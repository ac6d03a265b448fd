"""Registry commands: submit a batch, reconcile pending submissions, list them, put gave-up ones back."""

from __future__ import annotations

from typing import Annotated

import typer

from photoflow.cli.options import BatchOption, JsonOption, WideOption, existing_batch, parse_choice

registry_app = typer.Typer(
    no_args_is_help=True, help="Registry submission (上网): submit, reconcile, status, retry."
)


@registry_app.command("submit")
def registry_submit(batch: BatchOption, as_json: JsonOption = False) -> None:
    """Submit the batch's collected records and wait a while for the registry's answers."""
    from photoflow.cli.output import emit_json
    from photoflow.cli.registry_output import show_submission_report

    batch_id = existing_batch(batch)
    from flows.submission import submission_flow

    report = submission_flow(batch_id)
    emit_json(report) if as_json else show_submission_report(report)
    if report.run.registry_error:
        raise typer.Exit(code=1)


@registry_app.command("reconcile")
def registry_reconcile(as_json: JsonOption = False) -> None:
    """Resend what is due (every batch) and apply the registry's answers to pending submissions."""
    from flows.registry_reconcile import registry_reconcile_flow
    from photoflow.cli.output import emit_json
    from photoflow.cli.registry_output import show_submission_report

    report = registry_reconcile_flow()
    emit_json(report) if as_json else show_submission_report(report)
    if report.run.registry_error:
        raise typer.Exit(code=1)


@registry_app.command("status")
def registry_status(
    batch: BatchOption,
    state: Annotated[
        str | None, typer.Option("--state", help="queued, accepted, registered, rejected or unreachable.")
    ] = None,
    wide: WideOption = False,
    as_json: JsonOption = False,
) -> None:
    """The batch's submissions, newest first."""
    from photoflow.cli.output import emit_json_list
    from photoflow.cli.registry_output import show_submissions
    from photoflow.database import default_engine
    from photoflow.registry.listing import list_submissions
    from schemas.submissions import SubmissionState

    wanted = parse_choice(SubmissionState, state, "--state") if state else None
    found = list_submissions(default_engine(), existing_batch(batch), state=wanted)
    emit_json_list(found) if as_json else show_submissions(found, wide=wide)


@registry_app.command("retry")
def registry_retry(
    batch: BatchOption,
    id_number: Annotated[
        list[str] | None, typer.Option("--id-number", help="Only this student; repeat for more.")
    ] = None,
) -> None:
    """Put submissions that gave up on an unreachable registry back in line (run submit or reconcile next)."""
    from photoflow.database import default_engine
    from photoflow.registry.queueing import resubmit_unreachable
    from photoflow.settings import get_settings

    count = resubmit_unreachable(
        default_engine(), existing_batch(batch), actor=get_settings().actor, id_numbers=id_number or ()
    )
    typer.echo(f"{count} submission(s) of batch {batch} back in line for the registry")
