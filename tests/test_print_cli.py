"""The print and billing commands as ops use them: exit codes, JSON, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.review_helpers import collected
from tests.test_cli import run


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
    assert all(Path(sub["sheets_path"]).is_file() and Path(sub["manifest_path"]).is_file()
               for sub in order["sub_packages"])  # fmt: skip
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
