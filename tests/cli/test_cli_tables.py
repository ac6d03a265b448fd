"""Tables at 80 columns, the width of a terminal nobody resized: each row one or two lines, no name cut
short with '…', the batch_id where commands need it; `--wide` shows every column."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.cells import cell_len
from rich.console import Console

import photoflow.cli.output as cli_output
import photoflow.cli.photos as cli_photos
import photoflow.cli.registry as cli_registry
import photoflow.cli.roster as cli_roster
import photoflow.cli.similarity as cli_similarity
from schemas.reasons import PhotoReason
from schemas.registry_reports import SubmissionOut
from schemas.reports import (
    AutoReviewReport,
    ComparedRecord,
    ComparisonOut,
    FileProblemOut,
    HeldOut,
    IntakeReport,
    ReviewedAttempt,
    RowErrorOut,
    SimilarityReport,
    UploadReport,
)

NAME = "欧阳娜娜丽"  # five characters: ten cells, the longest names rosters hold


def scored(kind: str, kind_label: str, score: float, band: str, band_label: str) -> ComparisonOut:
    """A comparison that was made, as the report shows it: its score and the band the score falls in."""
    return ComparisonOut(
        kind=kind,
        kind_label=kind_label,
        outcome="scored",
        outcome_label="已比对",
        score=score,
        band=band,
        band_label=band_label,
    )


COMPARISONS = [
    scored("id_registry", "人证比对 / ID registry", 72.4, "possible", "可能同一人 / Possibly"),
    scored("enrollment", "人像比对 / Enrollment", 41.0, "different", "非同一人 / Not the same"),
]
HELD = HeldOut(
    record_id=12345,
    batch_id=12,
    attempt_id=3,
    id_number="110105********123X",
    name=NAME,
    comparisons=COMPARISONS,
    score=41.0,
    band="different",
    held_since="2026-12-07 08:15",
    fusion_suspected="眼周边缘不自然 unnatural edges around the eyes",
)
UPLOAD = UploadReport(
    upload_id=101,
    batch_id=12,
    file_name="2026届毕业生名单-计算机学院.xlsx",
    institution="10001",
    category="普通高等教育",
    status="accepted",
    status_label="上传成功 / Uploaded",
    total=12345,
    succeeded=12000,
    failed=345,
    unchanged=0,
    errors=[],
)
SUBMISSION = SubmissionOut(
    record_id=12345,
    name=NAME,
    id_number="110105********123X",
    attempt_no=2,
    state="rejected",
    state_label="上网失败 / Rejected",
    tries=3,
    receipt="RCPT-2026-000123456",
    reason="照片背景不符合要求 background not uniform",
    queued_at="2026-12-07 08:00",
    answered_at=None,
)
COMPARED = ComparedRecord(
    record_id=12345,
    id_number="110105********123X",
    name=NAME,
    status="held",
    comparisons=COMPARISONS,
    waiting="enrollment_photo_missing",
)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of a rich table as printed: each row the screen lines it takes (a line whose first
    cell is empty continues the row above)."""
    rows: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith(("┡", "├")):
            inside = True
        elif line.startswith("└"):
            inside = False
        elif inside and line.startswith("│"):
            first = line.split("│")[1].strip()
            rows.append([line]) if first or not rows else rows[-1].append(line)
    return rows


def assert_readable_at_80(text: str, *names: str) -> None:
    """Every line within 80 columns, every row in one or two lines, nothing cut short with '…', and each
    name whole on one line."""
    rows = table_rows(text)
    assert rows, text
    assert "…" not in text, text
    assert all(len(row) <= 2 for row in rows), text
    assert all(any(name in line for line in text.splitlines()) for name in names), text


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> StringIO:
    """What the table functions print, on an 80-column console."""
    buffer = StringIO()
    console = Console(file=buffer, width=80, highlight=False, color_system=None)
    for module in (cli_output, cli_photos, cli_registry, cli_roster, cli_similarity):
        monkeypatch.setattr(module, "console", console)
    return buffer


def test_held_records_take_two_lines_each_at_80_columns(screen):
    cli_similarity.show_held([HELD, HELD])
    out = screen.getvalue()
    assert_readable_at_80(out, NAME, "110105********123X", "人证比对 72.4", "人像比对 41.0")
    assert all(line.split("│")[1].strip() == "12" for line in out.splitlines() if NAME in line)  # batch first


def test_held_wide_shows_every_column_in_full(screen):
    cli_similarity.show_held([HELD], wide=True)
    out = screen.getvalue()
    header = out.splitlines()[1]
    assert all(name in header for name in ("Record", "Batch", "Held since", "Fusion")), out
    assert "unnatural edges around the eyes" in out and "2026-12-07 08:15" in out and "12345" in out
    assert "possible" in out and "id_registry" in out  # the bands and kinds in English too
    assert "…" not in out and max(map(len, out.splitlines())) > 80  # its natural width, not folded


def test_roster_list_shows_each_uploads_batch_id(screen):
    cli_roster.show_uploads([UPLOAD])
    out = screen.getvalue()
    assert_readable_at_80(out, "上传成功")
    [row] = table_rows(out)
    assert [cell.strip() for cell in row[0].split("│")[1:3]] == ["101", "12"]
    assert "Batch" in out.splitlines()[1]


def test_roster_list_wide_adds_institution_and_category(screen):
    cli_roster.show_uploads([UPLOAD], wide=True)
    out = screen.getvalue()
    assert all(header in out for header in ("Institution", "Category", "Unchanged")), out
    assert "普通高等教育" in out and "上传成功 / Uploaded" in out


def test_similarity_and_submission_tables_fit_80_columns(screen):
    report = SimilarityReport(
        batch_id=12,
        considered=1,
        collected=0,
        held=1,
        waiting={},
        duplicate_faces=0,
        records=[COMPARED, COMPARED],
    )
    cli_similarity.show_similarity(report)
    cli_registry.show_submissions([SUBMISSION, SUBMISSION])
    similarity, submissions = _two_tables(screen.getvalue())
    assert_readable_at_80(similarity, NAME, "人证比对 72.4")
    assert_readable_at_80(submissions, NAME, "上网失败", "照片背景不符合要求")


def _two_tables(text: str) -> tuple[str, str]:
    first, second = text.split("\n┏")[1:]
    return "┏" + first, "┏" + second


def test_billing_names_institutions_in_two_lines_at_most(screen, monkeypatch):
    from decimal import Decimal

    import photoflow.billing
    from photoflow.cli.billing import billing_command
    from schemas.print_reports import BillingLine, BillingOut

    line = BillingLine(
        institution_code="10001",
        institution_name="示范大学 Demo University",
        category="regular",
        category_label="普通高等教育 / Regular higher education",
        period="2026-12",
        photos=12345,
        price_per_photo=Decimal("30.00"),
        amount=Decimal("370350.00"),
    )
    summary = BillingOut(lines=[line, line], total_photos=24690, total_amount=Decimal("740700.00"))
    monkeypatch.setattr(photoflow.billing, "billing", lambda *args, **kwargs: summary)

    billing_command()
    assert_readable_at_80(screen.getvalue(), "示范大学", "普通高等教育", "370350.00")
    screen.seek(0)
    screen.truncate()
    billing_command(wide=True)
    assert "Regular higher education" in screen.getvalue()


ROW_ERROR = RowErrorOut(
    row=17,
    column="学历层次",
    value="本科生",
    code="not_in_choices",
    reason="不在可选范围内（专科、本科、专科起点本科、硕士研究生、博士研究生）",
    reason_en="value is not one of the allowed choices (专科、本科、专科起点本科、硕士研究生、博士研究生)",
    hint="choose one of the allowed values",
)
UNMATCHED = FileProblemOut(
    name="2026届-计算机学院-unknown-student.jpg",
    code="unmatched",
    reason="未匹配到学生",
    reason_en="matches no student of this batch",
    detail="the name 'UNKNOWN-STUDENT' is neither an ID number nor a collection code "
    "of this batch: name the file after the student's ID number or collection "
    "code, e.g. <证件号>.jpg",
)


def problem_blocks(text: str) -> list[list[str]]:
    """Refused rows or files as printed at 80 columns: a heading line, then its indented reasons."""
    blocks: list[list[str]] = []
    for line in text.splitlines()[1:]:  # after the summary line(s)
        if line.startswith("    ") and blocks:
            blocks[-1].append(line)
        elif line.startswith(("行 row", "2026届")):
            blocks.append([line])
    return blocks


def test_refused_roster_rows_read_as_short_paragraphs_at_80_columns(screen):
    """In a table the Chinese-and-English reason folded into a column a few characters wide, six lines
    a row; a row's reason now reads as a paragraph under the row, column and value."""
    report = UPLOAD.model_copy(
        update={"failed": 1, "errors": [ROW_ERROR, ROW_ERROR.model_copy(update={"row": 18})]}
    )
    cli_roster.show_upload(report)
    text = screen.getvalue()
    blocks = problem_blocks(text)
    assert [block[0] for block in blocks] == [
        "行 row 17 · 学历层次 · 本科生",
        "行 row 18 · 学历层次 · 本科生",
    ]
    assert all(len(block) <= 4 for block in blocks), text
    assert all(cell_len(line) <= 80 for line in text.splitlines()) and "…" not in text, text


def test_files_not_taken_by_intake_read_as_short_paragraphs_at_80_columns(screen):
    """The intake table folded the fix hint into eight lines for one file."""
    report = IntakeReport(
        intake_id=1,
        batch_id=1,
        source_name="photos",
        total=2,
        accepted=1,
        unchanged=0,
        not_accepted=1,
        problems=[UNMATCHED],
    )
    cli_photos.show_intake(report)
    text = screen.getvalue()
    [block] = problem_blocks(text)
    assert block[0] == UNMATCHED.name and "未匹配到学生 / matches no student of this batch" in block[1]
    assert len(block) <= 5 and all(cell_len(line) <= 80 for line in text.splitlines()), text


def test_refused_rows_wide_is_the_table_with_every_column(screen):
    cli_roster.show_upload(UPLOAD.model_copy(update={"errors": [ROW_ERROR]}), wide=True)
    text = screen.getvalue()
    assert "值 Value" in text and "原因 Reason" in text and len(table_rows(text)) == 1, text


def test_photos_refused_for_framing_are_named_apart_with_the_students_fix(screen):
    def reviewed(attempt_id: int, file_name: str, *reasons: str) -> ReviewedAttempt:
        status = "reshoot_requested" if reasons else "in_manual_review"
        return ReviewedAttempt(
            attempt_id=attempt_id,
            record_id=attempt_id,
            file_name=file_name,
            passed=not reasons,
            reasons=list(reasons),
            status=status,
        )

    attempts = [
        reviewed(1, "[tight].jpg", "cropped_too_tight"),
        reviewed(2, "b.jpg", "cropped_too_tight", "smiling"),
        reviewed(3, "c.jpg", "smiling"),
        reviewed(4, "d.jpg"),
    ]
    cli_photos.show_auto_review(
        AutoReviewReport(batch_id=1, reviewed=4, passed=1, rejected=3, already_reviewed=0, attempts=attempts)
    )
    out = screen.getvalue()

    assert [line for line in out.splitlines() if "framing" in line] == [
        "  取景 framing · 2 photo(s): [tight].jpg, b.jpg"
    ]
    flowing = " ".join(out.split())
    assert f"{PhotoReason.CROPPED_TOO_TIGHT.label} {PhotoReason.CROPPED_TOO_TIGHT.hint}" in flowing
    assert PhotoReason.HEAD_TOO_CLOSE_TO_TOP.zh not in out
