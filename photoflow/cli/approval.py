"""Auto-approval commands: screen a batch, relearn the weights, report routing and disagreement."""

from __future__ import annotations

from typing import Annotated

import typer

from photoflow.cli.options import BatchOption, JsonOption, existing_batch

approval_app = typer.Typer(
    no_args_is_help=True,
    help="Screening and auto-approval: which photos skip the manual queue, and how far to trust it.",
)
ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold", min=0, max=100, help="Check at this threshold instead of the configured one."
    ),
]


@approval_app.command("screen")
def approval_screen(batch: BatchOption, as_json: JsonOption = False) -> None:
    """Screen every photo of the batch waiting in the manual queue that has not been screened."""
    from flows.screening import screening_flow
    from photoflow.cli.approval_output import show_screening
    from photoflow.cli.output import emit_json

    report = screening_flow(existing_batch(batch))
    emit_json(report) if as_json else show_screening(report)


@approval_app.command("weights")
def approval_weights(threshold: ThresholdOption = None, as_json: JsonOption = False) -> None:
    """Relearn each interface's success rate from human decisions now (the nightly flow does it too)."""
    from flows.approval_weights import approval_weights_flow
    from photoflow.cli.approval_output import show_weights
    from photoflow.cli.output import emit_json

    weights = approval_weights_flow(threshold=threshold)
    emit_json(weights) if as_json else show_weights(weights)


@approval_app.command("report")
def approval_report_command(
    batch: Annotated[int | None, typer.Option("--batch", help="Only this batch.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The share of screened photos sent to reviewers, and the held-back check of the latest weights."""
    from photoflow.auto_approval.report import approval_report
    from photoflow.cli.approval_output import show_approval_report
    from photoflow.cli.output import emit_json
    from photoflow.database import default_engine

    report = approval_report(default_engine(), batch_id=existing_batch(batch) if batch is not None else None)
    emit_json(report) if as_json else show_approval_report(report)
