"""Progress bars on the terminal for the jobs a command runs (photoflow.job_progress reports them).

The bars are drawn on stderr, only when it is a terminal and the output is not `--json`, and only
while a job is under way: when every job started so far is done they are taken off the screen, so a
command's own output (printed once its jobs are done) is never drawn over. A job tracked in chunks
comes back as the same bar with its total grown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from photoflow.cli.options import JSON_OUTPUT
from photoflow.job_progress import reporting


class TerminalBars:
    """A `job_progress.Reporter` that draws one rich bar per job."""

    def __init__(self, console: Console, command_line: MutableMapping[str, Any]) -> None:
        self.command_line = command_line  # the shared `ctx.meta`, where --json is noted once parsed
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.jobs: dict[str, TaskID] = {}

    def start(self, job: str, total: int) -> None:
        if self.command_line.get(JSON_OUTPUT):
            return
        if job in self.jobs:
            task = self.progress.tasks[self.jobs[job]]
            self.progress.update(task.id, total=(task.total or 0) + total, visible=True)
        else:
            self.jobs[job] = self.progress.add_task(job, total=total)
        self.progress.start()
        self._stop_when_done()  # a job with nothing to do

    def advance(self, job: str, done: int) -> None:
        if job not in self.jobs:  # started under --json
            return
        self.progress.advance(self.jobs[job], done)
        self._stop_when_done()

    def _stop_when_done(self) -> None:
        if all(task.finished for task in self.progress.tasks):
            for task in self.progress.tasks:
                self.progress.update(task.id, visible=False)
            self.progress.stop()


@contextmanager
def terminal_bars(command_line: MutableMapping[str, Any]) -> Iterator[None]:
    """Bars for this command's jobs, when a person is watching stderr."""
    if not sys.stderr.isatty():
        yield
        return
    with reporting(TerminalBars(Console(stderr=True), command_line)):
        yield
