"""The registry and notice commands as ops use them: exit codes, masked output, clear refusals."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlmodel import select

from photoflow import idnumber
from schemas.db import session_scope
from schemas.records import StudentRecord
from tests.cli.test_cli import run
from tests.review_helpers import collected, manual_queue, reject


@pytest.mark.flow
def test_submit_then_status_lists_each_record_registered_with_masked_id_numbers(
    monkeypatch, capsys, engine, settings, contract, tmp_path, registry_sim, prefect_harness
):
    batch_id = collected(engine, settings, tmp_path, 3)
    monkeypatch.setattr(settings, "registry_url", registry_sim.url)
    monkeypatch.setattr(settings, "registry_token", SecretStr(registry_sim.token))

    code, out, _ = run(monkeypatch, capsys, "registry", "submit", "--batch", str(batch_id), "--json")
    assert code == 0 and json.loads(out)["run"]["registered"] == 3
    code, out, _ = run(monkeypatch, capsys, "registry", "status", "--batch", str(batch_id), "--json")
    listed = json.loads(out)
    assert code == 0 and [item["state"] for item in listed] == ["registered"] * 3
    id_numbers = set(registry_sim.sim.stats()["registrations_by_key"])
    assert {item["id_number"] for item in listed} == {idnumber.mask(n) for n in id_numbers}
    assert not any(n in out for n in id_numbers)


@pytest.mark.flow
def test_submit_without_a_registry_says_what_to_set_and_leaves_records_collected(
    monkeypatch, capsys, engine, settings, contract, tmp_path, prefect_harness
):
    batch_id = collected(engine, settings, tmp_path, 2)

    code, out, _ = run(monkeypatch, capsys, "registry", "submit", "--batch", str(batch_id))

    assert code == 1 and "PHOTOFLOW_REGISTRY_URL" in out
    code, out, _ = run(monkeypatch, capsys, "registry", "status", "--batch", str(batch_id))
    assert code == 0 and "no submissions" in out


def test_status_refuses_an_unknown_state_and_an_unknown_batch(monkeypatch, capsys, settings):
    code, _, err = run(monkeypatch, capsys, "registry", "status", "--batch", "1", "--state", "lost")
    assert code == 2 and "lost" in err and "registered" in err
    code, _, err = run(monkeypatch, capsys, "registry", "status", "--batch", "999")
    assert code == 1 and "999" in err


def test_retry_with_nothing_given_up_says_so(monkeypatch, capsys, engine, settings, contract, tmp_path):
    batch_id = collected(engine, settings, tmp_path, 1)
    code, out, _ = run(monkeypatch, capsys, "registry", "retry", "--batch", str(batch_id))
    assert code == 0 and "0 submission(s)" in out


@pytest.mark.flow
def test_notify_send_without_smtp_keeps_notices_and_list_shows_them_masked(
    monkeypatch, capsys, engine, settings, contract, tmp_path, prefect_harness
):
    reject(engine, manual_queue(engine, settings, tmp_path, 2))
    with session_scope(engine) as session:
        emails = session.exec(select(StudentRecord.email)).all()

    code, out, _ = run(monkeypatch, capsys, "notify", "send")
    assert code == 0 and "PHOTOFLOW_SMTP_HOST" in out
    code, out, _ = run(monkeypatch, capsys, "notify", "list", "--status", "pending", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 2 and not any(email in out for email in emails)
