"""How commands show results: rich tables for people, one JSON object with `--json`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # importing it would load OpenCV into every command
    from photoflow.quality.check_files import CheckOut

from photoflow.settings import get_settings
from schemas.reports import (
    AutoReviewReport,
    ComparisonOut,
    DeleteReport,
    DuplicateFaceOut,
    HeldOut,
    HoldDecisionReport,
    IntakeReport,
    PairScoreOut,
    PhotoIntakeOutcome,
    SimilarityReport,
    UploadReport,
)

console = Console(highlight=False)
MAX_ERRORS_SHOWN = 50


def emit_json(payload: BaseModel | list[BaseModel]) -> None:
    if isinstance(payload, list):
        typer.echo("[" + ",".join(item.model_dump_json() for item in payload) + "]")
    else:
        typer.echo(payload.model_dump_json(indent=2))


def emit_json_list(items: list[BaseModel]) -> None:
    """A JSON array, even when it holds one item or none."""
    typer.echo("[" + ",".join(item.model_dump_json(indent=2) for item in items) + "]")


def show_intake(report: IntakeReport) -> None:
    console.print(
        f"[bold]Photo intake {report.intake_id}[/bold] {report.source_name} · "
        f"文件 files {report.total} · 接收 accepted {report.accepted} · "
        f"未变化 unchanged {report.unchanged} · "
        f"未接收 not accepted {report.not_accepted}"
    )
    if report.problems:
        table = Table("文件 File", "原因 Reason", "说明 Detail")
        for problem in report.problems[:MAX_ERRORS_SHOWN]:
            table.add_row(problem.name, f"{problem.reason}\n{problem.reason_en}", problem.detail)
        console.print(table)
        if len(report.problems) > MAX_ERRORS_SHOWN:
            console.print(f"… {len(report.problems) - MAX_ERRORS_SHOWN} more; use --json for all.")


def show_auto_review(report: AutoReviewReport) -> None:
    from schemas.photo_reasons import PhotoReason

    console.print(
        f"[bold]Automatic review[/bold] batch {report.batch_id} · 审核 reviewed {report.reviewed} · "
        f"通过 passed {report.passed} · 需重拍 reshoot {report.rejected}"
    )
    rejected = [item for item in report.attempts if not item.passed]
    if rejected:
        table = Table("Attempt", "文件 File", "原因 Reasons")
        for item in rejected[:MAX_ERRORS_SHOWN]:
            reasons = "\n".join(PhotoReason(code).label for code in item.reasons)
            table.add_row(str(item.attempt_id), item.file_name, reasons)
        console.print(table)


def show_photo_intake(outcome: PhotoIntakeOutcome) -> None:
    show_intake(outcome.intake)
    if outcome.review is not None:
        show_auto_review(outcome.review)


def show_checks(results: list[CheckOut]) -> None:
    for result in results:
        verdict = "[green]通过 passed[/green]" if result.passed else "[red]未通过 rejected[/red]"
        console.print(f"[bold]{result.file}[/bold]: {verdict}")
        if result.message:
            console.print(f"  {result.message}")
        for reason in result.reasons:
            console.print(f"  - {reason.zh} / {reason.en}: {reason.hint}")
        if result.standardised:
            console.print(f"  standard image / 标准照: {result.standardised}")
        if result.overlay:
            console.print(f"  overlay / 标注图: {result.overlay}")


def show_upload(report: UploadReport) -> None:
    console.print(
        f"[bold]Upload {report.upload_id}[/bold] {report.file_name} · institution {report.institution} · "
        f"{report.category} · {report.status_label}"
    )
    if report.error_message:
        console.print(f"[red]{report.error_message}[/red]")
        return
    console.print(
        f"总上传 total {report.total} · 上传成功 succeeded {report.succeeded} · "
        f"未变化 unchanged {report.unchanged} · 上传失败 failed {report.failed}"
    )
    if not report.errors:
        return
    table = Table("行 Row", "列 Column", "值 Value", "原因 Reason")
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(str(error.row), error.column, error.value or "", f"{error.reason}\n{error.reason_en}")
    console.print(table)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(report.errors) - MAX_ERRORS_SHOWN} more; all are in the error report.")
    if report.error_report:
        console.print(f"Error report / 错误报告: {(get_settings().data_dir / report.error_report).resolve()}")


def show_uploads(reports: list[UploadReport]) -> None:
    table = Table("ID", "File", "Institution", "Category", "Status", "Total", "OK", "Unchanged", "Failed")
    for r in reports:
        table.add_row(
            str(r.upload_id),
            r.file_name,
            r.institution,
            r.category,
            r.status_label,
            str(r.total),
            str(r.succeeded),
            str(r.unchanged),
            str(r.failed),
        )
    console.print(table)


def show_deletion(report: DeleteReport) -> None:
    console.print(f"Upload {report.upload_id}: removed {report.removed} record(s) still awaiting a photo.")
    if report.kept:
        table = Table("Record", "Row", "ID number", "Kept because")
        for kept in report.kept:
            table.add_row(str(kept.record_id), str(kept.row), kept.id_number, kept.reason)
        console.print(f"Kept {len(report.kept)} record(s):")
        console.print(table)


def show_pair_score(result: PairScoreOut) -> None:
    if result.score is None:
        console.print(f"[red]no score[/red]: {result.message}")
    else:
        console.print(
            f"[bold]{result.score:.1f}[/bold] / 100 · {result.band_label} (distance {result.distance:.4f})"
        )
    console.print(f"model: {result.model} ({result.model_version})")


def _comparisons(items: list[ComparisonOut]) -> str:
    """One short line per comparison: '人证比对 id_registry 72.4 可能同一人 possible'."""
    from schemas.similarity import ComparisonKind, ComparisonOutcome, SimilarityBand

    lines = []
    for c in items:
        kind = f"{ComparisonKind(c.kind).zh} {c.kind}"
        if c.score is None:
            lines.append(f"{kind}: {ComparisonOutcome(c.outcome).zh} {c.outcome}")
        else:
            lines.append(f"{kind}: {c.score:.1f} {SimilarityBand(c.band).zh} {c.band}")
    return "\n".join(lines)


def show_similarity(report: SimilarityReport) -> None:
    from schemas.similarity import ComparisonWait

    console.print(
        f"[bold]Comparison[/bold] batch {report.batch_id} · 比对 considered {report.considered} · "
        f"采集完成 collected {report.collected} · 拦截 held {report.held} · "
        f"一人多号 duplicate-face pairs {report.duplicate_faces}"
    )
    for wait, count in report.waiting.items():
        console.print(f"  waiting / 等待: {count} · {ComparisonWait(wait).label}")
    shown = [item for item in report.records if item.status != "collected"]
    if shown:
        table = Table("Record", "姓名 Name", "证件号 ID", "状态 Status", "比对 Comparisons")
        for item in shown[:MAX_ERRORS_SHOWN]:
            status = item.status if item.waiting is None else f"{item.status}\n({item.waiting})"
            table.add_row(
                str(item.record_id), item.name, item.id_number, status, _comparisons(item.comparisons)
            )
        console.print(table)


def show_held(items: list[HeldOut]) -> None:
    if not items:
        console.print("no held records / 无拦截记录")
        return
    table = Table("Record", "Batch", "姓名 Name", "证件号 ID", "比对 Comparisons", "Held since")
    for item in items:
        table.add_row(str(item.record_id), str(item.batch_id), item.name, item.id_number,
                      _comparisons(item.comparisons) + _fusion(item), item.held_since)  # fmt: skip
    console.print(table)
    console.print(f"{len(items)} held record(s)")


def _fusion(item: HeldOut) -> str:
    return f"\n疑似换脸合成 Face fusion suspected: {item.fusion_suspected}" if item.fusion_suspected else ""


def show_hold_decision(report: HoldDecisionReport) -> None:
    console.print(f"{report.decision_label}: {report.decided} record(s)")
    for line in report.skipped:
        console.print(f"  skipped {line}")


def show_duplicates(items: list[DuplicateFaceOut]) -> None:
    if not items:
        console.print("no duplicate faces / 未发现一人多号")
        return
    table = Table("Score", "Student", "Same face as")
    for item in items:
        table.add_row(f"{item.score:.1f}", item.first, item.second)
    console.print(table)
