"""What a command prints: its own output. Prefect's and the libraries' logs go to the log file, and
`--verbose` shows them too; checked in new processes, where the logging and descriptor 2 are set up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from photoflow.roster.workbook import write_roster_workbook
from tests.cli.test_cli import CONTRACT_ADD, NEUTRAL_PORTRAIT
from tests.helpers import INSTITUTION, students

PHOTOFLOW = str(Path(sys.executable).with_name("photoflow"))
PREFECT_NOISE = ("| INFO", "Starting temporary server", "Beginning flow run", "Finished in state")
GX_NOISE = "Created temporary directory"
MEDIAPIPE_NOISE = ("XNNPACK", "absl::InitializeLog", "inference_feedback_manager", "W0000")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def photoflow(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a person runs it, in a new process with its own data folder (SQLite)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PREFECT_", "PHOTOFLOW_")) and name != "DATABASE_URL"
    }
    env["PHOTOFLOW_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [PHOTOFLOW, *args], capture_output=True, text=True, env=env, check=False, timeout=300
    )


def log_text(data_dir: Path) -> str:
    return (data_dir / "logs" / "photoflow.log").read_text(encoding="utf-8")


def test_a_flow_command_prints_its_result_and_logs_prefect_and_gx_to_the_log_file(data_dir, tmp_path):
    roster = write_roster_workbook(tmp_path / "roster.xlsx", students(3))
    assert photoflow(data_dir, *CONTRACT_ADD).returncode == 0
    upload = ["roster", "upload", str(roster), "--institution", INSTITUTION, "--category", "regular"]

    quiet = photoflow(data_dir, *upload)

    assert quiet.returncode == 0, quiet.stderr
    assert "succeeded 3" in quiet.stdout and quiet.stderr == ""
    for noise in (*PREFECT_NOISE, GX_NOISE):
        assert noise not in quiet.stdout
    logged = log_text(data_dir)
    assert "Beginning flow run" in logged and "Finished in state Completed()" in logged and GX_NOISE in logged

    verbose = photoflow(data_dir, "--verbose", *upload)

    assert verbose.returncode == 0 and "unchanged 3" in verbose.stdout
    assert "Beginning flow run" in verbose.stderr and GX_NOISE in verbose.stderr
    assert "Beginning flow run" not in verbose.stdout  # stdout stays the result, for scripts


def test_the_face_models_native_warnings_go_to_the_log_file_unless_verbose(data_dir, tmp_path):
    photo = str(NEUTRAL_PORTRAIT)

    quiet = photoflow(data_dir, "check", photo, "--out", str(tmp_path / "checked"))

    assert quiet.returncode == 0, quiet.stderr
    assert "passed" in quiet.stdout and quiet.stderr == ""
    assert any(noise in log_text(data_dir) for noise in MEDIAPIPE_NOISE)

    verbose = photoflow(data_dir, "--verbose", "check", photo, "--out", str(tmp_path / "checked"))

    assert verbose.returncode == 0 and "passed" in verbose.stdout
    assert any(noise in verbose.stderr for noise in MEDIAPIPE_NOISE)
