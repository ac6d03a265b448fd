"""The print and billing commands as ops use them: exit codes, JSON, clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.review_helpers import collected


@pytest.mark.flow
def test_print_request_writes_sub_packages_and_status_moves_it_on(
    monkeypatch, capsys, engine, settings, contract, tmp_path, prefect_harness
):
    batch_id = collected(engine, settings, tmp_path, 6)

    request = ["--batch", str(batch_id), "--layout", "two_inch", "--address", "示范路 1 号"]
    code, out, _ = run(
        monkeypatch, capsys, "print", "request", *request, "--split-by", "department", "--json"
    )

    order = json.loads(out)
    assert code == 0 and order["status"] == "waiting" and order["photos"] == 6
    assert sum(sub["photos"] for sub in order["sub_packages"]) == 6
    assert all(
        Path(sub["sheets_path"]).is_file() and Path(sub["manifest_path"]).is_file()
        for sub in order["sub_packages"]
    )
    code, _, err = run(monkeypatch, capsys, "print", "status", str(order["id"]), "shipped")
    assert code == 1 and "cannot move" in err
    code, out, _ = run(monkeypatch, capsys, "print", "status", str(order["id"]), "冲印中")
    assert code == 0 and "冲印中" in out
    code, out, _ = run(monkeypatch, capsys, "print", "list", "--json")
    assert [item["status"] for item in json.loads(out)] == ["printing"]


def test_layouts_are_listed_with_their_counts_per_sheet(monkeypatch, capsys, settings):
    code, out, _ = run(monkeypatch, capsys, "print", "layouts")
    assert code == 0 and "one_inch" in out and "two_inch" in out and "10" in out


def test_billing_prints_the_month_and_refuses_a_bad_date(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    collected(engine, settings, tmp_path, 3)

    code, out, _ = run(monkeypatch, capsys, "billing", "--institution", "10001", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["total_photos"] == 3 and summary["total_amount"] == "90.00"
    code, _, err = run(monkeypatch, capsys, "billing", "--from", "2026-13-01")
    assert code == 2 and "2026-13-01" in err


# photoflow as on a machine with no Chinese font: no fontconfig on PATH, the font package uninstalled
WITHOUT_ANY_FONT = (
    "import sys; sys.modules['pylopdf_fonts_zh_cn'] = None; from photoflow.cli import main; main()"
)


def test_a_print_order_on_a_machine_without_a_chinese_font_says_once_what_to_install(
    engine, settings, contract, tmp_path
):
    batch_id = collected(engine, settings, tmp_path, 2)
    (tmp_path / "bin").mkdir()
    env = {name: value for name, value in os.environ.items() if name != "PHOTOFLOW_PRINT_FONT"}

    request = ["--batch", str(batch_id), "--layout", "one_inch", "--address", "示范路 1 号"]
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_ANY_FONT, "print", "request", *request],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**env, "PATH": str(tmp_path / "bin")},
    )

    assert result.returncode == 1, result.stderr
    assert result.stderr.count("No font with Chinese characters") == 1, result.stderr
    assert "pylopdf-fonts-zh-cn" in result.stderr and "PHOTOFLOW_PRINT_FONT" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
