"""The `photoflow` command as people use it: exit codes, JSON output, messages without tracebacks."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from data_contracts.roster_columns import ROSTER_COLUMNS
from photoflow.cli import main
from photoflow.roster.workbook import write_roster_workbook
from tests.helpers import INSTITUTION, students
from tests.paths import DATASETS

CONTRACT_ADD = (  # the test institution's contract, valid for years
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
)


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
    return run(monkeypatch, capsys, *CONTRACT_ADD, *extra)


def upload_roster(monkeypatch, capsys, path, *extra: str, institution: str = INSTITUTION):
    return run(monkeypatch, capsys, "roster", "upload", str(path), "--institution", institution, *extra)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # it opens no database: one run
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

    code, out, _ = run(monkeypatch, capsys, "roster", "delete", str(report["upload_id"]), "--yes", "--json")
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


NEUTRAL_PORTRAIT = DATASETS / "id_portraits" / "london_neutral_front" / "004_03.jpg"
SMILING_PORTRAIT = DATASETS / "id_defects" / "london_smiling_front" / "005_08.jpg"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # it opens no database: one run
def test_check_reports_each_photo_with_reasons_spec_image_and_overlay(
    monkeypatch, capsys, settings, tmp_path
):
    junk = tmp_path / "notes.jpg"
    junk.write_text("not a photo")
    out = tmp_path / "checked"

    photos = (str(NEUTRAL_PORTRAIT), str(SMILING_PORTRAIT), str(junk))
    code, stdout, stderr = run(monkeypatch, capsys, "check", *photos, "--out", str(out), "--json")

    assert code == 1, stderr  # one or more photos were rejected
    good, smiling, notes = json.loads(stdout)
    assert good["passed"] and good["reasons"] == [] and good["overlay"] is None
    assert Path(good["standardised"]).read_bytes()[:2] == b"\xff\xd8"
    assert not smiling["passed"] and Path(smiling["overlay"]).is_file()
    codes = {reason["code"] for reason in smiling["reasons"]}
    assert codes & {"smiling", "teeth_showing", "mouth_open"}
    assert all(reason["zh"] and reason["en"] and reason["hint"] for reason in smiling["reasons"])
    assert [reason["code"] for reason in notes["reasons"]] == ["not_an_image"]
    assert "notes.jpg" in notes["message"] and notes["standardised"] is None
    assert Path(notes["overlay"]).is_file()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # it opens no database: one run
def test_check_of_a_good_photo_exits_zero_and_rejects_an_unknown_background(
    monkeypatch, capsys, settings, tmp_path
):
    code, stdout, _ = run(monkeypatch, capsys, "check", str(NEUTRAL_PORTRAIT), "--out", str(tmp_path))
    assert code == 0 and "passed" in stdout

    code, _, stderr = run(
        monkeypatch, capsys, "check", str(NEUTRAL_PORTRAIT), "--out", str(tmp_path), "--background", "pink"
    )
    assert code == 2 and "light_blue" in stderr and "Traceback" not in stderr


@pytest.mark.flow
def test_photo_intake_command_receives_a_folder_and_reviews_it(
    monkeypatch, capsys, settings, prefect_harness, tmp_path
):
    add_contract(monkeypatch, capsys)
    rows = students(2, seed=5)
    roster = write_roster_workbook(tmp_path / "roster.xlsx", rows)
    run(
        monkeypatch,
        capsys,
        "roster",
        "upload",
        str(roster),
        "--institution",
        INSTITUTION,
        "--category",
        "regular",
    )
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copyfile(NEUTRAL_PORTRAIT, folder / f"{rows[0]['id_number']}.jpg")
    shutil.copyfile(SMILING_PORTRAIT, folder / "nobody.jpg")
    args = ("photo", "intake", str(folder), "--institution", INSTITUTION, "--category", "regular", "--json")

    code, stdout, stderr = run(monkeypatch, capsys, *args)

    assert code == 0, stderr
    outcome = json.loads(stdout)
    assert (outcome["intake"]["accepted"], outcome["intake"]["not_accepted"]) == (1, 1)
    assert outcome["intake"]["problems"][0]["name"] == "nobody.jpg"
    assert (outcome["review"]["reviewed"], outcome["review"]["passed"]) == (1, 1)

    code, stdout, _ = run(monkeypatch, capsys, *args)  # the same folder again: nothing new, nothing reviewed
    again = json.loads(stdout)
    assert (again["intake"]["accepted"], again["intake"]["unchanged"], again["review"]["reviewed"]) == (
        0,
        1,
        0,
    )

    photo = tmp_path / "reshoot.jpg"
    shutil.copyfile(SMILING_PORTRAIT, photo)
    add = ("photo", "add", str(photo), "--id-number", rows[1]["id_number"])
    code, _, stderr = run(monkeypatch, capsys, *add, "--institution", INSTITUTION, "--category", "regular")
    assert code == 0, stderr


def test_every_cli_module_is_reached_as_itself_never_as_a_function_named_like_it():
    """`from photoflow.cli import registry_sim` once gave the command function that the package had
    imported under its module's name, not the module."""
    import importlib
    import pkgutil

    import photoflow.cli as package

    for found in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"photoflow.cli.{found.name}")
        assert getattr(package, found.name) is module, found.name
