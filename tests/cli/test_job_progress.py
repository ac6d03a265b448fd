"""Progress of long jobs: the stages count each photo or record, the CLI draws the counts as bars."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from photoflow.cli.bars import TerminalBars
from photoflow.cli.options import JSON_OUTPUT
from photoflow.exports.workbook import write_records_workbook
from photoflow.job_progress import EXPORT, reporting, track
from schemas.enums import EducationCategory, EducationLevel, RecordStatus
from schemas.records import StudentRecord


class Recorder:
    """A reporter that remembers what it was told."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.done: dict[str, int] = {}

    def start(self, job: str, total: int) -> None:
        self.totals[job] = self.totals.get(job, 0) + total

    def advance(self, job: str, done: int) -> None:
        self.done[job] = self.done.get(job, 0) + done


def test_tracked_items_pass_through_in_order_and_each_counts_once():
    recorder = Recorder()
    with reporting(recorder):
        first = list(track("review", iter(range(3)), 3))
        second = list(track("review", iter(range(2)), 2))  # the next chunk of the same job
    assert (first, second) == ([0, 1, 2], [0, 1])
    assert recorder.totals == recorder.done == {"review": 5}
    assert list(track("review", iter("ab"), 2)) == ["a", "b"]  # no reporter once the block ended
    assert recorder.done == {"review": 5}


def test_an_export_reports_one_step_per_record_written(tmp_path: Path):
    records = [
        StudentRecord(
            batch_id=1,
            upload_id=1,
            source_row=row,
            name=f"学生{row}",
            id_number=f"{row:018d}",
            institution_code="10001",
            institution_name="测试大学",
            category=EducationCategory.REGULAR,
            level=EducationLevel.BACHELOR,
            status=RecordStatus.COLLECTED,
        )
        for row in range(4)
    ]
    recorder = Recorder()
    with reporting(recorder):
        write_records_workbook(tmp_path / "export.xlsx", records)
    assert recorder.totals == recorder.done == {EXPORT: 4}


def bars(meta: dict) -> tuple[TerminalBars, io.StringIO]:
    screen = io.StringIO()
    return TerminalBars(Console(file=screen, force_terminal=True, width=80), meta), screen


def test_terminal_bars_add_chunks_up_and_leave_the_screen_once_every_job_is_done():
    shown, screen = bars({})
    shown.start("stage 1 review", 2)
    shown.advance("stage 1 review", 1)
    assert shown.progress.live.is_started
    shown.advance("stage 1 review", 1)
    assert not shown.progress.live.is_started  # done: the command's output is not drawn over
    shown.start("stage 1 review", 3)
    [task] = shown.progress.tasks
    assert (task.total, task.completed, task.visible) == (5, 2, True)
    for _ in range(3):
        shown.advance("stage 1 review", 1)
    assert not shown.progress.live.is_started and "stage 1 review" in screen.getvalue()


def test_no_bars_are_drawn_for_json_output():
    shown, screen = bars({JSON_OUTPUT: True})
    shown.start("stage 1 review", 2)
    shown.advance("stage 1 review", 2)
    assert shown.progress.tasks == [] and screen.getvalue() == ""
