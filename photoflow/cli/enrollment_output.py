"""How `photoflow enrollment` shows its reports to people: a summary line and rich tables."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Column

from photoflow.cli.output import MAX_ERRORS_SHOWN, FitTable, console, show_problems, show_table
from schemas.enrollment import EnrollmentReport

COUNTS = ("Files", "Accepted", "Unchanged", "Not accepted")


def show_enrollment_upload(report: EnrollmentReport, *, wide: bool = False) -> None:
    """The totals, then each file not accepted.

    Names come from the zip, so rich markup in them is escaped, and long paths are folded, never cut.
    """
    console.print(
        f"[bold]Enrollment upload {report.upload_id}[/bold] {escape(report.source_name)} · "
        f"batch {report.batch_id} · 文件 files {report.total} · 接收 accepted {report.accepted} · "
        f"未变化 unchanged {report.unchanged} · 未接收 not accepted {report.not_accepted}"
    )
    if not report.problems:
        return
    rows = [(p.name, f"{p.reason} / {p.reason_en}", p.detail) for p in report.problems[:MAX_ERRORS_SHOWN]]
    show_problems(("文件 File", "原因 Reason", "说明 Detail"), 1, rows, wide=wide)
    if len(report.problems) > MAX_ERRORS_SHOWN:
        console.print(f"… {len(report.problems) - MAX_ERRORS_SHOWN} more; use --json for all.")


def show_enrollment_uploads(reports: list[EnrollmentReport]) -> None:
    """One line per upload; who sent it and each refused file are in `--json`."""
    table = FitTable(
        "ID",
        Column("Zip", overflow="fold"),
        Column("Received (UTC)", min_width=10),  # wide enough that a narrow screen breaks at the space
        *(Column(header, justify="right") for header in COUNTS),
    )
    for r in reports:
        table.add_row(
            str(r.upload_id),
            escape(r.source_name),
            r.received_at.strftime("%Y-%m-%d %H:%M"),
            str(r.total),
            str(r.accepted),
            str(r.unchanged),
            str(r.not_accepted),
        )
    show_table(table)
