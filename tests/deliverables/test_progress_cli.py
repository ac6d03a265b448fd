"""`photoflow progress` as ops use it: counts per status, the matching records, masked ID numbers."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from photoflow import idnumber
from schemas.db import session_scope
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.cli.test_cli import run
from tests.helpers import INSTITUTION
from tests.review_helpers import manual_queue, reject


@pytest.fixture
def students(engine, settings, contract, tmp_path) -> list[StudentRecord]:
    """Five students of one batch in the manual queue, two of them rejected by a reviewer."""
    reject(engine, manual_queue(engine, settings, tmp_path, 5)[:2])
    with session_scope(engine) as session:
        return list(session.exec(select(StudentRecord).order_by(StudentRecord.source_row)).all())


def progress(monkeypatch, capsys, *args: str) -> tuple[int, dict, str]:
    code, out, err = run(monkeypatch, capsys, "progress", *args, "--json")
    return code, json.loads(out) if code == 0 else {}, err


def test_progress_counts_every_status_and_lists_records_with_masked_id_numbers(monkeypatch, capsys, students):
    batch_id = students[0].batch_id
    waiting = sum(s.status is RecordStatus.IN_MANUAL_REVIEW for s in students)

    code, view, err = progress(monkeypatch, capsys, "--batch", str(batch_id))

    assert code == 0, err
    counts = {count["status"]: count["count"] for count in view["counts"]}
    assert list(counts) == [status.value for status in RecordStatus]
    assert counts["in_manual_review"] == waiting == 3 and sum(counts.values()) == 5
    assert view["total"] == 5 and (view["page"], view["pages"]) == (1, 1)
    assert [row["id_number"] for row in view["rows"]] == [idnumber.mask(s.id_number) for s in students]
    assert not any(s.id_number in json.dumps(view) for s in students)


def test_progress_filters_by_status_label_name_id_number_end_and_department(monkeypatch, capsys, students):
    someone, rejected = students[3], students[0].status

    def ids(*args: str) -> list[int]:
        scope = ("--institution", INSTITUTION, "--category", "普通高等教育")
        code, view, err = progress(monkeypatch, capsys, *scope, *args)
        assert code == 0, err
        return [row["record_id"] for row in view["rows"]]

    assert ids("--status", rejected.zh) == [s.id for s in students if s.status is rejected]
    assert ids("--status", rejected.value, "--status", "in_manual_review") == [s.id for s in students]
    assert someone.id in ids("--search", someone.name)
    assert ids("--search", someone.id_number[-6:]) == [someone.id]
    assert ids("--department", someone.department) == [
        s.id for s in students if s.department == someone.department
    ]
    assert ids("--search", "不存在的名字") == []
    code, view, _ = progress(monkeypatch, capsys, "--status", "collected")
    assert code == 0 and view["total"] == 0 and sum(count["count"] for count in view["counts"]) == 5


def test_progress_pages_through_the_matching_records(monkeypatch, capsys, students):
    code, view, _ = progress(monkeypatch, capsys, "--page-size", "2", "--page", "3")

    assert code == 0 and (view["page"], view["pages"], view["total"]) == (3, 3, 5)
    assert [row["record_id"] for row in view["rows"]] == [students[4].id]


def test_progress_for_people_shows_counts_and_masked_id_numbers_only(monkeypatch, capsys, students):
    code, out, _ = run(monkeypatch, capsys, "progress", "--batch", str(students[0].batch_id))

    assert code == 0 and "人工审核中 / In manual review 3" in out and "共 5 条" in out
    assert all(idnumber.mask(s.id_number) in out and s.id_number not in out for s in students)


def test_progress_refuses_an_unknown_status_batch_or_institution(monkeypatch, capsys, students):
    code, _, err = run(monkeypatch, capsys, "progress", "--status", "lost")
    assert code == 2 and "lost" in err and "collected" in err
    code, _, err = run(monkeypatch, capsys, "progress", "--batch", "999")
    assert code == 1 and "no batch 999" in err
    code, _, err = run(monkeypatch, capsys, "progress", "--institution", "abc")
    assert code == 2 and "5-digit" in err
    code, _, err = run(monkeypatch, capsys, "progress", "--search", "x" * 51)
    assert code == 1 and "at most 50" in err
