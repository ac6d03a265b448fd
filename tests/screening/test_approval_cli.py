"""Auto-approval from the command line: screen a batch, relearn the weights, report, and bad input."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from photoflow.roster.workbook import write_roster_workbook
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.manual_review import DecisionSource, ManualDecision, ManualReview
from tests.cli.test_cli import add_contract, run, upload_roster
from tests.helpers import students
from tests.similarity_helpers import batch_records, neutral, reviewed_photo


@pytest.mark.usefixtures("prefect_harness")
def test_screen_weights_and_report_from_the_cli(monkeypatch, capsys, settings, engine, tmp_path):
    add_contract(monkeypatch, capsys)
    roster = write_roster_workbook(tmp_path / "roster.xlsx", students(2))
    code, out, _ = upload_roster(monkeypatch, capsys, roster, "--category", "regular", "--json")
    batch_id = json.loads(out)["batch_id"]
    for person, record in zip((1, 2), batch_records(engine), strict=True):
        reviewed_photo(engine, settings, record.id, neutral(person), to=RecordStatus.IN_MANUAL_REVIEW)

    code, out, _ = run(monkeypatch, capsys, "approval", "screen", "--batch", str(batch_id), "--json")
    screened = json.loads(out)
    assert code == 0 and screened["screened"] == 2 and screened["auto_approved"] == 0
    assert screened["tamper_flagged"] == 0

    with session_scope(engine) as session:  # a reviewer approves both
        for review in session.exec(select(ManualReview)):
            review.decision, review.decided_by = ManualDecision.APPROVED, "alice"
            review.decided_via = DecisionSource.QUEUE
            session.add(review)
    code, out, _ = run(monkeypatch, capsys, "approval", "weights", "--threshold", "80", "--json")
    weights = json.loads(out)
    assert code == 0 and weights["decided"] == 2 and weights["threshold"] == 80
    assert weights["rates"]["tamper"]["total"] + weights["held_back"] == 2

    code, out, _ = run(monkeypatch, capsys, "approval", "report")
    assert code == 0 and "to reviewers 2 (100.0%)" in out and "Held-back check at threshold 80.0" in out


def test_a_batch_that_does_not_exist_is_named(monkeypatch, capsys, settings):
    code, _, err = run(monkeypatch, capsys, "approval", "report", "--batch", "99")
    assert code == 1 and "99" in err and "Traceback" not in err
    code, _, err = run(monkeypatch, capsys, "approval", "weights", "--threshold", "120")
    assert code == 2 and "--threshold" in err and "100" in err
