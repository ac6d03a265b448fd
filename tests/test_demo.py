"""`photoflow demo`, the main job: 50 students through the whole DAG on the embedded default (SQLite)."""

from __future__ import annotations

import json

import pytest

from photoflow.settings import get_settings
from tests.test_cli import run

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
IN_REVIEW = ("in_auto_review", "in_manual_review", "comparing", "held", "submitting")


def test_the_demo_takes_a_batch_through_every_stage_and_submits_each_record_once(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("PHOTOFLOW_DATA_DIR", str(tmp_path / "cli-data"))  # the demo points it at its folder;
    monkeypatch.delenv("DATABASE_URL", raising=False)  # monkeypatch puts both back afterwards
    get_settings.cache_clear()

    code, out, err = run(monkeypatch, capsys, "demo", "--workdir", str(tmp_path / "demo"), "--json")
    get_settings.cache_clear()

    assert code == 0, err
    demo = json.loads(out)
    counts = demo["counts"]
    assert isinstance(demo["batch_id"], int) and sum(counts.values()) == 50
    assert not any(counts[status] for status in IN_REVIEW), counts
    assert demo["received"] == demo["distinct"] == demo["registry"]["entries_received"] > 0
    assert counts["registered"] == demo["registry"]["registered"] == demo["distinct"] - 1  # one rejected
    assert demo["registry"]["faults_injected"] == 3
    assert demo["reviewer"]["rejected"] == 2
    first = demo["first_run"]
    assert first["print_order"] is None and "still in review" in first["print_waiting"]
    printed = demo["second_run"]["print_order"]
    assert printed["photos"] == counts["registered"] + counts["collected"]
    assert sum(sub["photos"] for sub in printed["sub_packages"]) == printed["photos"]
    assert demo["notices"] == {"pending": counts["reshoot_requested"]}  # no SMTP server: they wait
    assert demo["roster"]["failed"] > 0 and demo["first_run"]["rosters"][0]["failed"] == 0
