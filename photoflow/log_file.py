"""Where the libraries' logs go: DATA_DIR/logs/photoflow.log, so a person sees the command's own output.

Prefect (its temporary server, every task's state), Great Expectations and the face stack log as they
work: what ops need when something goes wrong, noise on a terminal otherwise. A file handler on the
root logger takes them all; Prefect, seeing a handler there before it configures logging, leaves the
root alone instead of adding its console handler, and keeps its `api` handlers on the run loggers, so
run logs still reach Prefect's database and UI.

MediaPipe, TF-Lite and absl write from C++ straight to file descriptor 2, past Python's logging and
past GLOG_minloglevel / TF_CPP_MIN_LOG_LEVEL (absl reads neither). So while a command runs, descriptor
2 is the log file and Python's `sys.stderr` a copy of the terminal's: messages, progress bars and
errors meant for the person still reach it, and worker processes, spawned with descriptor 2 as it is,
write their native messages to the file too. `--verbose` leaves descriptor 2 alone and shows the log
records on stderr as well.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from photoflow import storage
from photoflow.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(processName)s %(source)s - %(message)s"


class RunFormatter(logging.Formatter):
    """Names the flow or task run a Prefect run logger's record came from, else the logger."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        if task_run := getattr(record, "task_run_name", None):
            record.source = f"task run {task_run!r}"
        elif flow_run := getattr(record, "flow_run_name", None):
            record.source = f"flow run {flow_run!r}"
        else:
            record.source = record.name
        return super().formatMessage(record)


def log_path(settings: Settings) -> Path:
    return storage.logs_dir(settings.data_dir) / "photoflow.log"


@contextmanager
def logs_to_file(settings: Settings, *, verbose: bool) -> Iterator[Path]:
    """Route log records (and Python warnings) to the log file while a command runs; restored after."""
    path = log_path(settings)
    storage.make_dir(path.parent)
    handlers: list[logging.Handler] = [logging.FileHandler(path, encoding="utf-8")]
    if verbose:
        handlers.append(logging.StreamHandler())  # sys.stderr, the terminal
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(RunFormatter(LOG_FORMAT))
        root.addHandler(handler)
    logging.captureWarnings(True)
    try:
        with nullcontext() if verbose or not _stderr_is_descriptor_2() else _native_stderr_to(path):
            yield path
    finally:
        logging.captureWarnings(False)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()


def _stderr_is_descriptor_2() -> bool:
    """False under a test runner's capture, where Python's stderr is not the process's descriptor 2."""
    try:
        return sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


@contextmanager
def _native_stderr_to(path: Path) -> Iterator[None]:
    """Descriptor 2 appends to `path`; `sys.stderr` writes to what descriptor 2 was (the terminal)."""
    original = sys.stderr
    original.flush()
    terminal = os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(log, 2)
    os.close(log)
    with open(terminal, "w", encoding=original.encoding, errors=original.errors, buffering=1) as copy:
        sys.stderr = copy
        try:
            yield
        finally:
            copy.flush()
            os.dup2(terminal, 2)
            sys.stderr = original
