"""Auto-approval commands: screen a batch, relearn the weights, report routing and disagreement.

Their tables are in Chinese and English.
"""

from __future__ import annotations

from typing import Annotated

import typer

from photoflow.cli.options import BatchFilter, BatchOption, JsonOption, existing_batch
from photoflow.cli.output import FitTable, console, emit_json, show_table
from schemas.reports import ScreeningReport
from schemas.screening_reports import ApprovalReport, WeightsOut

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

    report = screening_flow(existing_batch(batch))
    emit_json(report) if as_json else show_screening(report)


@approval_app.command("weights")
def approval_weights(threshold: ThresholdOption = None, as_json: JsonOption = False) -> None:
    """Relearn each interface's success rate from human decisions now (the nightly flow does it too)."""
    from flows.approval_weights import approval_weights_flow

    weights = approval_weights_flow(threshold=threshold)
    emit_json(weights) if as_json else show_weights(weights)


@approval_app.command("report")
def approval_report_command(
    batch: BatchFilter = None,
    as_json: JsonOption = False,
) -> None:
    """The share of screened photos sent to reviewers, and the held-back check of the latest weights."""
    from photoflow.auto_approval.report import approval_report
    from photoflow.database import default_engine

    report = approval_report(default_engine(), batch_id=existing_batch(batch) if batch is not None else None)
    emit_json(report) if as_json else show_approval_report(report)


def show_screening(report: ScreeningReport) -> None:
    from schemas.screening import ScreeningNote, ScreeningOutcome

    console.print(
        f"批次 Batch {report.batch_id}: 筛查 screened {report.screened}, 自动通过 auto-approved "
        f"{report.auto_approved}, 转人工 to reviewers {report.to_reviewer}, 疑似修图 signs of editing "
        f"{report.tamper_flagged}"
    )
    if not report.attempts:
        return
    table = FitTable("照片 Attempt", "综合得分 Score", "去向 Outcome", "说明 Notes")
    for item in report.attempts:
        notes = "; ".join(ScreeningNote(note).label for note in item.notes)
        score = "-" if item.score is None else f"{item.score:.1f}"
        table.add_row(str(item.attempt_id), score, ScreeningOutcome(item.outcome).label, notes)
    show_table(table)


def show_weights(weights: WeightsOut) -> None:
    from schemas.screening import ApprovalInterface

    console.print(
        f"权重 Weights #{weights.id} ({weights.computed_at:%Y-%m-%d %H:%M} UTC), "
        f"审核员队列决定 reviewers' decisions: {weights.decided}"
    )
    table = FitTable("接口 Interface", "成功率 Success rate", "一致 Agreed", "总数 Total")
    for name, entry in weights.rates.items():
        label = ApprovalInterface(name).label
        table.add_row(label, f"{entry['rate']:.3f}", str(entry["agreed"]), str(entry["total"]))
    show_table(table)
    _show_check(weights)


def _show_check(weights: WeightsOut) -> None:
    if weights.threshold is None:
        console.print(
            "未设置阈值 No threshold set: run with --threshold to check one (auto-approval is off)."
        )
        return
    share = "-" if weights.disagreement is None else f"{weights.disagreement:.1%}"
    console.print(
        f"留出检验 Held-back check at threshold {weights.threshold:.1f}: {weights.held_back} decisions, "
        f"{weights.held_back_auto} would be auto-approved, {weights.held_back_disagree} of them rejected by "
        f"reviewers (disagreement {share}); {weights.held_back_missed} approved by reviewers would still "
        "go to a reviewer."
    )


def show_approval_report(report: ApprovalReport) -> None:
    share = "-" if report.routed_share is None else f"{report.routed_share:.1%}"
    console.print(f"筛查 Screened {report.screened}, 转人工 to reviewers {report.to_reviewer} ({share})")
    if report.batches:
        table = FitTable("批次 Batch", "筛查 Screened", "转人工 To reviewers", "占比 Share")
        for batch in report.batches:
            table.add_row(
                str(batch.batch_id),
                str(batch.screened),
                str(batch.to_reviewer),
                f"{batch.to_reviewer / batch.screened:.1%}",
            )
        show_table(table)
    if report.weights is None:
        console.print("尚未计算权重 No weights learnt yet: `photoflow approval weights`.")
    else:
        show_weights(report.weights)
