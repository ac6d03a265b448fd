"""The `photoflow` command as people use it: exit codes, JSON output, messages without tracebacks."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys

import openpyxl
import pytest

from data_contracts.roster_columns import ROSTER_COLUMNS
from photoflow.cli import main
from photoflow.roster.workbook import write_roster_workbook
from tests.helpers import INSTITUTION, students


def point_prefect_logs_at_current_stderr() -> None:
    """Prefect's console handler keeps the stderr of the test that set logging up; capsys closes it after
    that test. A real CLI process has one stderr, so re-point the handler as every new process would."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for logger in (logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)):
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.stream = sys.stderr  # not setStream(): it flushes the closed stream
                handler.console.file = sys.stderr


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    point_prefect_logs_at_current_stderr()
    monkeypatch.setattr(sys, "argv", ["photoflow", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


def add_contract(monkeypatch, capsys, *extra: str):
    return run(
        monkeypatch,
        capsys,
        "contract",
        "add",
        "--institution",
        INSTITUTION,
        "--name",
        "测试大学",
        "--category",
        "regular",
        "--price",
        "30.00",
        "--valid-until",
        "2099-12-31",
        *extra,
    )


def upload_roster(monkeypatch, capsys, path, *extra: str, institution: str = INSTITUTION):
    return run(monkeypatch, capsys, "roster", "upload", str(path), "--institution", institution, *extra)


def test_template_command_writes_the_chinese_header_row(monkeypatch, capsys, settings, tmp_path):
    code, out, _ = run(monkeypatch, capsys, "template", "roster", "-o", str(tmp_path / "t.xlsx"))
    assert code == 0 and "t.xlsx" in out
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in sheet[1]] == [c.header for c in ROSTER_COLUMNS]


def test_contract_add_then_list_as_json(monkeypatch, capsys, settings):
    code, _, _ = add_contract(monkeypatch, capsys, "--services", "id,enrollment", "--interception", "on")
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, "contract", "list", "--json")
    [contract] = json.loads(out)
    assert contract["institution"] == INSTITUTION and contract["active"] is True
    assert contract["services"] == ["id", "enrollment"] and contract["interception"] is True
    assert contract["price_per_photo"] == "30.00"


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_roster_upload_json_reports_totals_and_each_failed_row(monkeypatch, capsys, settings, tmp_path):
    add_contract(monkeypatch, capsys)
    rows = students(6)
    rows[4]["id_number"] = rows[1]["id_number"]
    path = write_roster_workbook(tmp_path / "roster.xlsx", rows)

    code, out, err = upload_roster(monkeypatch, capsys, path, "--category", "普通高等教育", "--json")

    assert code == 0, err
    report = json.loads(out)
    assert (report["total"], report["succeeded"], report["failed"]) == (6, 5, 1)
    assert report["upload_id"] >= 1
    [error] = report["errors"]
    assert {k: error[k] for k in ("row", "column", "value")} == {
        "row": 6,
        "column": "证件号",
        "value": rows[1]["id_number"],
    }
    assert "3" in error["reason"]  # names the row it repeats

    code, out, _ = run(monkeypatch, capsys, "roster", "delete", str(report["upload_id"]), "--json")
    assert code == 0 and json.loads(out)["removed"] == 5


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_unreadable_roster_fails_with_a_message_and_no_traceback(monkeypatch, capsys, settings, tmp_path):
    add_contract(monkeypatch, capsys)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")

    code, out, err = upload_roster(monkeypatch, capsys, path, "--category", "regular")

    assert code == 1
    assert "roster.xlsx" in out and "cannot be read as an Excel workbook" in out
    assert "Traceback" not in out + err


def test_upload_without_contract_says_what_to_do(monkeypatch, capsys, settings, tmp_path):
    path = write_roster_workbook(tmp_path / "roster.xlsx", students(1))
    code, _, err = upload_roster(monkeypatch, capsys, path, "--category", "regular", institution="10009")
    assert code == 1
    assert "no contract" in err and "photoflow contract add" in err and "Traceback" not in err


def test_bad_options_are_named(monkeypatch, capsys, settings, tmp_path):
    code, _, err = upload_roster(monkeypatch, capsys, tmp_path / "missing.xlsx", "--category", "regular")
    assert code == 1 and "no such file" in err
    code, _, err = add_contract(monkeypatch, capsys, "--services", "face")
    assert code == 2 and "--services" in err and "face" in err


def test_show_unknown_upload_is_a_clear_error(monkeypatch, capsys, settings):
    code, _, err = run(monkeypatch, capsys, "roster", "show", "999")
    assert code == 1 and "no roster upload 999" in err


def test_console_script_is_installed():
    photoflow = shutil.which("photoflow") or str(
        __import__("pathlib").Path(sys.executable).parent / "photoflow"
    )
    result = subprocess.run([photoflow, "--help"], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0 and "roster" in result.stdout
