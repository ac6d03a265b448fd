"""How commands show results: rich tables for people, one JSON object with `--json`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text

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
ID_COLUMN = Column("证件号 ID", no_wrap=True, min_width=18)  # a wrapped ID number reads as two


class FitTable(Table):
    """A table that reads at 80 columns: cells fold instead of ending in '…' (a cut name or path reads
    as another one), and the columns named in `extra` appear only with `--wide`."""

    def __init__(
        self, *headers: str | Column, extra: tuple[str, ...] = (), wide: bool = False, **options
    ) -> None:
        self.wide = wide
        self.shown = [wide or _header(column) not in extra for column in headers]
        kept = (column for column, shown in zip(headers, self.shown, strict=True) if shown)
        super().__init__(*kept, **options)
        for column in self.columns:
            column.overflow = "fold" if column.overflow == "ellipsis" else column.overflow

    def add_row(self, *cells, **options) -> None:
        super().add_row(*(cell for cell, shown in zip(cells, self.shown, strict=True) if shown), **options)


def _header(column: str | Column) -> str:
    return column if isinstance(column, str) else str(column.header)


def show_table(table: Table) -> None:
    """Print a table; a --wide one at its natural width, even past the terminal's (a wide window or
    `less -S` shows it whole), as folding every column into 80 would undo what --wide asked for."""
    if isinstance(table, FitTable) and table.wide:
        natural = Measurement.get(console, console.options.update(width=10_000), table).maximum
        Console(file=console.file, width=max(natural, console.width), highlight=False).print(table)
    else:
        console.print(table)


def show_problems(headers: tuple[str, ...], keyed: int, rows: list[tuple[str, ...]], *, wide: bool) -> None:
    """Refused files or rows: at 80 columns each one as a line of its `keyed` first cells (file, or row,
    column and value) and its reasons indented under it, folded like a paragraph: in a table the long
    Chinese-and-English reasons and hints wrap into columns a few characters wide, eight lines a row.
    `--wide` shows the table. Cells are text from uploads, printed as they are (never as markup)."""
    if wide:
        table = FitTable(*headers, wide=True)
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        show_table(table)
        return
    for row in rows:
        console.print(Text(" · ".join(cell for cell in row[:keyed] if cell), style="bold"))
        console.print(Padding(Text("\n".join(cell for cell in row[keyed:] if cell)), (0, 0, 0, 4)))


def in_data_dir(relative: str | None) -> str | None:
    """The absolute path of a file the database names relative to the data folder (so moving the folder
    moves everything): what people and scripts are shown, not a path from a folder they never chose."""
    return None if relative is None else str((get_settings().data_dir / relative).resolve())


def emit_json(payload: BaseModel | list[BaseModel]) -> None:
    if isinstance(payload, list):
        typer.echo("[" + ",".join(absolute_paths(item).model_dump_json() for item in payload) + "]")
    else:
        typer.echo(absolute_paths(payload).model_dump_json(indent=2))


def emit_json_list(items: list[BaseModel]) -> None:
    """A JSON array, even when it holds one item or none."""
    typer.echo("[" + ",".join(absolute_paths(item).model_dump_json(indent=2) for item in items) + "]")


def absolute_paths(payload: BaseModel) -> BaseModel:
    """`payload` with every file the database keeps relative to the data folder given as a full path,
    in nested reports too (the demo's): a script reading --json opens it from wherever it runs."""
    from schemas.download_reports import DownloadPackageOut
    from schemas.export_reports import ExportOut

    in_data_folder = {
        ExportOut: ("path",),
        DownloadPackageOut: ("table_path", "photos_path"),
        UploadReport: ("error_report",),
    }

    def walk(value):
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, BaseModel):
            return value
        update = {name: walk(field) for name, field in value if isinstance(field, BaseModel | list)}
        update |= {name: in_data_dir(getattr(value, name)) for name in in_data_folder.get(type(value), ())}
        return value.model_copy(update=update) if update else value

    return walk(payload)


def show_intake(report: IntakeReport, *, wide: bool = False) -> None:
    console.print(
        f"[bold]Photo intake {report.intake_id}[/bold] {report.source_name} · "
        f"文件 files {report.total} · 接收 accepted {report.accepted} · "
        f"未变化 unchanged {report.unchanged} · "
        f"未接收 not accepted {report.not_accepted}"
    )
    if report.problems:
        rows = [(p.name, f"{p.reason} / {p.reason_en}", p.detail) for p in report.problems[:MAX_ERRORS_SHOWN]]
        show_problems(("文件 File", "原因 Reason", "说明 Detail"), 1, rows, wide=wide)
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
        table = FitTable("Attempt", "文件 File", "原因 Reasons")
        for item in rejected[:MAX_ERRORS_SHOWN]:
            reasons = "\n".join(PhotoReason(code).label for code in item.reasons)
            table.add_row(str(item.attempt_id), item.file_name, reasons)
        show_table(table)


def show_photo_intake(outcome: PhotoIntakeOutcome, *, wide: bool = False) -> None:
    show_intake(outcome.intake, wide=wide)
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


def show_upload(report: UploadReport, *, wide: bool = False) -> None:
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
    rows = [
        (f"行 row {e.row}", e.column, e.value or "", f"{e.reason} / {e.reason_en}")
        for e in report.errors[:MAX_ERRORS_SHOWN]
    ]
    show_problems(("行 Row", "列 Column", "值 Value", "原因 Reason"), 3, rows, wide=wide)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(report.errors) - MAX_ERRORS_SHOWN} more; all are in the error report.")
    if report.error_report:
        console.print(f"Error report / 错误报告: {(get_settings().data_dir / report.error_report).resolve()}")


def show_uploads(reports: list[UploadReport], *, wide: bool = False) -> None:
    """A row per upload with its batch_id (what the batch commands take); --wide adds the institution,
    the category and the unchanged rows."""
    from schemas.enums import UploadStatus

    table = FitTable(
        "ID",
        "Batch",
        "File",
        "Institution",
        "Category",
        "Status",
        "Total",
        "OK",
        "Unchanged",
        "Failed",
        extra=("Institution", "Category", "Unchanged"),
        wide=wide,
    )
    for r in reports:
        status = r.status_label if wide else UploadStatus(r.status).zh
        table.add_row(
            str(r.upload_id),
            str(r.batch_id),
            escape(r.file_name),
            r.institution,
            r.category,
            status,
            str(r.total),
            str(r.succeeded),
            str(r.unchanged),
            str(r.failed),
        )
    show_table(table)


def show_deletion(report: DeleteReport) -> None:
    console.print(f"Upload {report.upload_id}: removed {report.removed} record(s) still awaiting a photo.")
    if report.kept:
        table = FitTable("Record", "Row", "ID number", "Kept because")
        for kept in report.kept:
            table.add_row(str(kept.record_id), str(kept.row), kept.id_number, kept.reason)
        console.print(f"Kept {len(report.kept)} record(s):")
        show_table(table)


def show_pair_score(result: PairScoreOut) -> None:
    if result.score is None:
        console.print(f"[red]no score[/red]: {result.message}")
    else:
        console.print(
            f"[bold]{result.score:.1f}[/bold] / 100 · {result.band_label} (distance {result.distance:.4f})"
        )
    console.print(f"model: {result.model} ({result.model_version})")


def _comparisons(items: list[ComparisonOut], *, wide: bool = False) -> str:
    """One line per comparison: '人证比对 72.4' (the score says the band); --wide adds the band and the
    English names."""
    from schemas.similarity import ComparisonKind, ComparisonOutcome, SimilarityBand

    lines = []
    for c in items:
        kind = f"{ComparisonKind(c.kind).zh} {c.kind}" if wide else ComparisonKind(c.kind).zh
        if c.score is None:
            lines.append(f"{kind}: {ComparisonOutcome(c.outcome).zh}" + (f" {c.outcome}" if wide else ""))
        else:
            band = f" {SimilarityBand(c.band).zh} {c.band}" if wide else ""
            lines.append(f"{kind} {c.score:.1f}{band}")
    return "\n".join(lines)


def show_similarity(report: SimilarityReport, *, wide: bool = False) -> None:
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
        table = FitTable("Record", "姓名 Name", ID_COLUMN, "状态 Status", "比对 Comparisons", wide=wide)
        for item in shown[:MAX_ERRORS_SHOWN]:
            status, waiting = (item.status, item.waiting) if wide else _zh(item.status, item.waiting)
            status = status if waiting is None else f"{status}\n" + (f"({waiting})" if wide else waiting)
            table.add_row(
                str(item.record_id),
                escape(item.name),
                item.id_number,
                status,
                _comparisons(item.comparisons, wide=wide),
            )
        show_table(table)


def _zh(status: str, waiting: str | None) -> tuple[str, str | None]:
    """A record's status and what it waits for, in Chinese: the short forms a narrow table has room for."""
    from schemas.enums import RecordStatus
    from schemas.similarity import ComparisonWait

    return RecordStatus(status).zh, ComparisonWait(waiting).zh if waiting else None


def show_held(items: list[HeldOut], *, wide: bool = False) -> None:
    """A row of at most two lines per record at 80 columns; --wide adds the record id, the face-fusion
    findings in full and when it was held."""
    if not items:
        console.print("no held records / 无拦截记录")
        return
    table = FitTable(
        "Record",
        "Batch",
        "姓名 Name",
        ID_COLUMN,
        "比对 Comparisons",
        "换脸 Fusion",
        "Held since",
        extra=("Record", "Held since"),
        wide=wide,
    )
    for item in items:
        fusion = (item.fusion_suspected if wide else "疑似 yes") if item.fusion_suspected else ""
        table.add_row(
            str(item.record_id),
            str(item.batch_id),
            escape(item.name),
            item.id_number,
            _comparisons(item.comparisons, wide=wide),
            escape(fusion),
            item.held_since,
        )
    show_table(table)
    console.print(f"{len(items)} held record(s)")


def show_hold_decision(report: HoldDecisionReport) -> None:
    console.print(f"{report.decision_label}: {report.decided} record(s)")
    for line in report.skipped:
        console.print(f"  skipped {line}")


def show_duplicates(items: list[DuplicateFaceOut]) -> None:
    if not items:
        console.print("no duplicate faces / 未发现一人多号")
        return
    table = FitTable("Score", "Student", "Same face as")
    for item in items:
        table.add_row(f"{item.score:.1f}", item.first, item.second)
    show_table(table)
