"""Export jobs: the workbook institutions open (read back with openpyxl), the job's status moves, and
the `photoflow export` commands."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine
from sqlmodel import col, select

from photoflow import idnumber
from photoflow.errors import IllegalTransitionError, NotFoundError, PhotoflowError
from photoflow.exports import export_state
from photoflow.exports.jobs import export_file, list_exports, request_export, run_export
from photoflow.exports.workbook import COLUMNS, SHEET
from photoflow.records_filter import RecordFilter
from photoflow.settings import Settings
from schemas.db import session_scope
from schemas.deliverables import ExportJob, ExportJobEvent, ExportStatus
from schemas.enums import RecordStatus
from schemas.records import StudentRecord
from tests.cli.test_cli import run
from tests.review_helpers import manual_queue, reject

HEADERS = [column.header for column in COLUMNS]
ID_COLUMN = HEADERS.index("证件号") + 1
NAME_COLUMN = HEADERS.index("姓名") + 1
STATUS_COLUMN = HEADERS.index("采集状态") + 1


def id_number_ending_in_x() -> str:
    """A valid ID number whose check character is X (Excel mangles those worst)."""
    for sequence in range(1000):
        first17 = f"11010519990307{sequence:03d}"
        if idnumber.check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no check character X in 1000 sequence numbers")


def batch_of(engine: Engine, settings: Settings, folder: Path, count: int, *, rejected: int = 0) -> int:
    """A batch of `count` students in the manual queue, the first `rejected` of them rejected, the first
    student's ID number ending in X; returns the batch id."""
    review_ids = manual_queue(engine, settings, folder, count)
    if rejected:
        reject(engine, review_ids[:rejected])
    with session_scope(engine) as session:
        first = session.exec(select(StudentRecord).order_by(StudentRecord.id)).first()
        first.id_number = id_number_ending_in_x()
        session.add(first)
        return first.batch_id


def records(engine: Engine, batch_id: int) -> list[StudentRecord]:
    with session_scope(engine) as session:
        statement = select(StudentRecord).where(StudentRecord.batch_id == batch_id)
        return list(session.exec(statement.order_by(StudentRecord.source_row)).all())


def exported(engine: Engine, settings: Settings, batch_id: int, wanted: RecordFilter) -> list[str]:
    """Export with `wanted` and return the workbook's ID numbers, in row order."""
    done = run_export(engine, settings, request_export(engine, batch_id, wanted, actor="test-admin").id)
    assert done.status == "done", done.error
    sheet = openpyxl.load_workbook(settings.data_dir / done.path).active
    return [row[ID_COLUMN - 1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_has_chinese_headers_text_id_numbers_a_frozen_header_and_a_filter(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 5)
    queued = request_export(engine, batch_id, RecordFilter(), actor="test-admin")
    assert (queued.status, queued.rows, queued.path, queued.requested_by) == (
        "queued",
        None,
        None,
        "test-admin",
    )

    done = run_export(engine, settings, queued.id)

    students = records(engine, batch_id)
    assert (done.status, done.status_label, done.rows, done.error) == ("done", "已完成 / Done", 5, None)
    assert done.path.startswith(f"exports/{batch_id}/") and done.path.endswith(".xlsx")
    assert done.finished_at is not None and done.filters == {"batch_id": batch_id}
    book = openpyxl.load_workbook(settings.data_dir / done.path)
    sheet = book[SHEET]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(HEADERS))}6"
    assert sheet.max_row == 6
    ids = [sheet.cell(row=line, column=ID_COLUMN) for line in range(2, 7)]
    assert [cell.value for cell in ids] == [student.id_number for student in students]
    assert all(cell.data_type == "s" and cell.number_format == "@" and len(cell.value) == 18 for cell in ids)
    assert ids[0].value == id_number_ending_in_x()
    assert [sheet.cell(row=line, column=NAME_COLUMN).value for line in range(2, 7)] == [
        student.name for student in students
    ]
    assert {sheet.cell(row=line, column=STATUS_COLUMN).value for line in range(2, 7)} == {"人工审核中"}
    assert sheet.column_dimensions[get_column_letter(ID_COLUMN)].width >= 18


def test_filters_choose_the_rows_by_status_name_id_number_and_department(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 8, rejected=3)
    students = records(engine, batch_id)
    rejected = [s.id_number for s in students if s.status is not RecordStatus.IN_MANUAL_REVIEW]
    assert len(rejected) == 3
    someone, department = students[5], students[2].department

    assert exported(engine, settings, batch_id, RecordFilter(statuses=(students[0].status,))) == rejected
    assert exported(engine, settings, batch_id, RecordFilter(search=someone.name)) == [
        s.id_number for s in students if someone.name in s.name
    ]
    assert exported(engine, settings, batch_id, RecordFilter(search=someone.id_number[-6:])) == [
        someone.id_number
    ]
    assert exported(
        engine, settings, batch_id, RecordFilter(search=id_number_ending_in_x()[-5:].lower())
    ) == [students[0].id_number]
    assert exported(engine, settings, batch_id, RecordFilter(department=department)) == [
        s.id_number for s in students if s.department == department
    ]
    nobody = exported(engine, settings, batch_id, RecordFilter(search="不存在的名字"))
    assert nobody == []


def test_a_done_export_is_never_redone_and_one_left_processing_by_a_crash_is(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 3)
    first = run_export(engine, settings, request_export(engine, batch_id, RecordFilter(), actor="a").id)
    written = (settings.data_dir / first.path).stat().st_mtime_ns

    again = run_export(engine, settings, first.id, flow_run_id="another-run")

    assert again == first and (settings.data_dir / first.path).stat().st_mtime_ns == written
    crashed = request_export(engine, batch_id, RecordFilter(), actor="a")
    with session_scope(engine) as session:
        job = session.get(ExportJob, crashed.id)
        job.status, job.flow_run_id = ExportStatus.PROCESSING, "crashed-run"
        session.add(job)

    redone = run_export(engine, settings, crashed.id, flow_run_id="redo-run")

    assert (redone.status, redone.rows) == ("done", 3) and redone.path != first.path
    with session_scope(engine) as session:
        job = session.get(ExportJob, crashed.id)
        assert job.flow_run_id == "redo-run" and job.started_at <= job.finished_at


def test_a_failed_export_records_why_and_stays_failed(engine, settings, contract, tmp_path):
    batch_id = batch_of(engine, settings, tmp_path, 2)
    blocker = settings.data_dir / "exports" / str(batch_id)
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the batch's export folder goes")
    queued = request_export(engine, batch_id, RecordFilter(), actor="a")

    failed = run_export(engine, settings, queued.id)

    assert (failed.status, failed.rows, failed.path) == ("failed", None, None)
    assert "could not write the workbook" in failed.error and "PHOTOFLOW_DATA_DIR" in failed.error
    blocker.unlink()
    assert run_export(engine, settings, queued.id) == failed
    with pytest.raises(PhotoflowError, match="failed"):
        export_file(engine, settings, queued.id)


def test_exports_are_listed_newest_first_and_got_again_until_their_file_is_gone(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 2)
    older = run_export(engine, settings, request_export(engine, batch_id, RecordFilter(), actor="a").id)
    newer = request_export(engine, batch_id, RecordFilter(department="外国语学院"), actor="b")

    assert [out.id for out in list_exports(engine)] == [newer.id, older.id]
    assert [out.id for out in list_exports(engine, batch_id=batch_id)] == [newer.id, older.id]
    assert list_exports(engine, batch_id=batch_id + 1) == []
    path = export_file(engine, settings, older.id)
    assert path == (settings.data_dir / older.path).resolve()
    assert openpyxl.load_workbook(path).active.max_row == 3
    with pytest.raises(PhotoflowError, match="queued"):
        export_file(engine, settings, newer.id)
    path.unlink()
    with pytest.raises(PhotoflowError, match="no longer in the data folder"):
        export_file(engine, settings, older.id)
    with pytest.raises(NotFoundError, match="no export 999"):
        export_file(engine, settings, 999)


def test_a_request_names_an_existing_batch_and_masks_an_id_number_searched_for(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 1)
    wanted = id_number_ending_in_x()

    out = request_export(engine, batch_id, RecordFilter(search=wanted), actor="a")

    assert out.filters["search"] == idnumber.mask(wanted)
    with session_scope(engine) as session:
        assert session.get(ExportJob, out.id).filters["search"] == wanted  # kept, to export it again
    with pytest.raises(NotFoundError, match="no batch 999"):
        request_export(engine, 999, RecordFilter(), actor="a")
    with pytest.raises(PhotoflowError, match="at most"):
        request_export(engine, batch_id, RecordFilter(search="x" * 51), actor="a")


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_export_command_runs_the_flow_then_lists_and_gets_the_workbook_again(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 6, rejected=2)
    students = records(engine, batch_id)
    wanted = [s.id_number for s in students if s.status is RecordStatus.IN_MANUAL_REVIEW]

    asked = ("--batch", str(batch_id), "--status", "人工审核中", "--json")
    code, out, err = run(monkeypatch, capsys, "export", *asked)

    assert code == 0, err
    done = json.loads(out)
    assert (done["status"], done["rows"]) == ("done", 4)
    assert done["filters"] == {"batch_id": batch_id, "statuses": ["in_manual_review"]}
    assert Path(done["path"]).is_absolute()  # --json names the file in full, not inside the data folder
    sheet = openpyxl.load_workbook(done["path"]).active
    assert [row[ID_COLUMN - 1] for row in sheet.iter_rows(min_row=2, values_only=True)] == wanted
    code, out, _ = run(monkeypatch, capsys, "export", "list", "--batch", str(batch_id), "--json")
    assert code == 0 and [item["id"] for item in json.loads(out)] == [done["id"]]
    code, out, _ = run(monkeypatch, capsys, "export", "get", str(done["id"]))
    assert code == 0 and out.strip() == str((settings.data_dir / done["path"]).resolve())
    code, out, _ = run(monkeypatch, capsys, "export", "get", str(done["id"]), "--json")
    assert code == 0 and json.loads(out)["path"] == done["path"]
    code, out, _ = run(monkeypatch, capsys, "export", "list")
    assert code == 0 and "已完成" in out and "statuses=in_manual_review" in out


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_failed_export_command_exits_1_with_the_reason(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 1)
    blocker = settings.data_dir / "exports" / str(batch_id)
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")

    code, out, err = run(monkeypatch, capsys, "export", "--batch", str(batch_id))

    assert code == 1 and "Traceback" not in err
    assert "export 1 failed: could not write the workbook" in err and "失败" in out
    code, out, _ = run(monkeypatch, capsys, "export", "list", "--json")
    [listed] = json.loads(out)
    assert listed["status"] == "failed" and "PHOTOFLOW_DATA_DIR" in listed["error"]
    code, _, err = run(monkeypatch, capsys, "export", "get", "1")
    assert code == 1 and "failed" in err


def test_export_commands_refuse_what_they_cannot_do_before_starting_prefect(
    monkeypatch, capsys, engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 1)

    code, _, err = run(monkeypatch, capsys, "export")
    assert code == 2 and "--batch" in err
    code, _, err = run(monkeypatch, capsys, "export", "--batch", "999")
    assert code == 1 and "no batch 999" in err
    code, _, err = run(monkeypatch, capsys, "export", "--batch", str(batch_id), "--status", "lost")
    assert code == 2 and "lost" in err and "collected" in err
    code, _, err = run(monkeypatch, capsys, "export", "--batch", str(batch_id), "list")
    assert code == 2 and "list" in err
    code, _, err = run(monkeypatch, capsys, "export", "get", "7")
    assert code == 1 and "no export 7" in err
    code, out, _ = run(monkeypatch, capsys, "export", "list")
    assert code == 0 and "no exports" in out
    with session_scope(engine) as session:
        assert session.exec(select(ExportJob)).all() == []


def test_each_move_of_an_export_is_an_event_and_a_final_export_refuses_to_move(
    engine, settings, contract, tmp_path
):
    batch_id = batch_of(engine, settings, tmp_path, 2)
    done = run_export(
        engine, settings, request_export(engine, batch_id, RecordFilter(), actor="a").id, flow_run_id="run-1"
    )

    with session_scope(engine) as session:
        events = session.exec(select(ExportJobEvent).order_by(col(ExportJobEvent.id))).all()
        assert [(e.from_status, e.to_status, e.actor, e.flow_run_id) for e in events] == [
            (None, ExportStatus.QUEUED, "a", None),
            (ExportStatus.QUEUED, ExportStatus.PROCESSING, "test-admin", "run-1"),
            (ExportStatus.PROCESSING, ExportStatus.DONE, "test-admin", "run-1"),
        ]
        assert events[-1].reason == "2 rows" and {e.job_id for e in events} == {done.id}
        job = session.get(ExportJob, done.id)
        with pytest.raises(IllegalTransitionError, match="已完成 / Done -> 处理中 / Processing"):
            export_state.move(session, job, ExportStatus.PROCESSING, actor="someone")
    with session_scope(engine) as session:
        assert session.get(ExportJob, done.id).status is ExportStatus.DONE
        assert len(session.exec(select(ExportJobEvent)).all()) == 3
