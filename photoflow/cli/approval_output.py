"""Tables for the auto-approval commands, in Chinese and English."""

from __future__ import annotations

from photoflow.cli.output import FitTable, console, show_table
from schemas.reports import ScreeningReport
from schemas.screening import ApprovalInterface, ScreeningNote, ScreeningOutcome
from schemas.screening_reports import ApprovalReport, WeightsOut


def show_screening(report: ScreeningReport) -> None:
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
