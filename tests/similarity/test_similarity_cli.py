"""Stage 3 from the command line: compare, interception switch, approve, run, held list and decide."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from sqlmodel import select

from photoflow.roster.workbook import write_roster_workbook
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.institutions import Contract
from schemas.records import StudentRecord
from tests.cli.test_cli import add_contract, run
from tests.helpers import INSTITUTION, students
from tests.similarity_helpers import batch_records, neutral, reviewed_photo, smiling


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # it opens no database: one run
def test_compare_prints_score_band_and_model_as_json(monkeypatch, capsys, settings):
    code, out, _ = run(monkeypatch, capsys, "compare", str(neutral(1)), str(smiling(1)), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["band"] == "same" and result["score"] >= 85
    assert result["model"] == "Dlib" and "deepface" in result["model_version"]

    code, out, _ = run(monkeypatch, capsys, "compare", str(neutral(1)), str(smiling(2)), "--json")
    assert code == 0 and json.loads(out)["band"] == "different"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # it opens no database: one run
def test_compare_without_a_face_says_so_and_exits_1(monkeypatch, capsys, settings, tmp_path):
    blank = tmp_path / "wall.jpg"
    Image.fromarray(np.full((400, 300, 3), 200, np.uint8)).save(blank)

    code, out, _ = run(monkeypatch, capsys, "compare", str(blank), str(smiling(1)), "--json")
    assert code == 1
    assert json.loads(out)["score"] is None and "no face found in wall.jpg" in json.loads(out)["message"]

    code, _, err = run(monkeypatch, capsys, "compare", str(tmp_path / "missing.jpg"), str(smiling(1)))
    assert code == 1 and "missing.jpg: no such photo file" in err and "Traceback" not in err


@pytest.fixture
def held_batch(monkeypatch, capsys, engine, settings, tmp_path):
    """Two students in manual review; the contract compares enrollment photos with interception on."""
    monkeypatch.setattr(settings, "photo_workers", 1)
    add_contract(monkeypatch, capsys, "--services", "enrollment")
    path = write_roster_workbook(tmp_path / "roster.xlsx", students(2, seed=9))
    code, out, _ = run(
        monkeypatch,
        capsys,
        "roster",
        "upload",
        str(path),
        "--institution",
        INSTITUTION,
        "--category",
        "regular",
        "--json",
    )
    assert code == 0
    batch_id = json.loads(out)["batch_id"]
    records = batch_records(engine)
    for person, record in zip((1, 2), records, strict=True):
        reviewed_photo(engine, settings, record.id, neutral(person), to=RecordStatus.IN_MANUAL_REVIEW)
    return batch_id, records


def status_of(engine, record_id):
    with session_scope(engine) as session:
        return session.get(StudentRecord, record_id).status


def test_interception_approval_comparison_and_held_decisions_from_the_cli(
    monkeypatch, capsys, engine, settings, held_batch, tmp_path
):
    batch_id, records = held_batch
    code, out, _ = run(monkeypatch, capsys, "contract", "interception", "--institution", INSTITUTION, "on")
    assert code == 0 and "interception on" in out
    with session_scope(engine) as session:
        assert session.exec(select(Contract.interception)).one() is True

    zip_path = tmp_path / "enrol.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for record, person in zip(records, (1, 41), strict=True):  # the second is someone else
            small = tmp_path / f"{record.id_number}.jpg"
            Image.open(smiling(person)).convert("RGB").resize((300, 300)).save(small, quality=85)
            archive.write(small, small.name)
    code, out, _ = run(
        monkeypatch, capsys, "enrollment", "upload", str(zip_path), "--batch", str(batch_id), "--json"
    )
    assert code == 0 and json.loads(out)["accepted"] == 2

    code, out, _ = run(monkeypatch, capsys, "manual", "approve", "--batch", str(batch_id), "--all")
    assert code == 0 and "approved 2" in out
    code, out, _ = run(monkeypatch, capsys, "similarity", "run", "--batch", str(batch_id), "--json")
    report = json.loads(out)
    assert code == 0 and (report["collected"], report["held"]) == (1, 1)

    code, out, _ = run(
        monkeypatch, capsys, "held", "list", "--batch", str(batch_id), "--band", "different", "--json"
    )
    [held] = json.loads(out)
    assert held["record_id"] == records[1].id and held["score"] <= 50
    assert records[1].id_number not in out

    code, out, _ = run(
        monkeypatch,
        capsys,
        "held",
        "decide",
        "submit",
        "--batch",
        str(batch_id),
        "--band",
        "different",
        "--note",
        "registrar confirmed",
        "--yes",
        "--json",
    )
    assert code == 0 and json.loads(out)["decided"] == 1
    assert status_of(engine, records[1].id) == RecordStatus.COLLECTED

    code, _, err = run(monkeypatch, capsys, "held", "decide", "submit", "--yes")
    assert code == 1 and "--batch" in err
    code, _, err = run(monkeypatch, capsys, "similarity", "run", "--batch", "999")
    assert code == 1 and "no batch 999: `photoflow roster list --json`" in err
