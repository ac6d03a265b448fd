"""The analysts' report: exact figures from records with known outcomes, readable files, no ID numbers."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import col, delete, select, update

from flows.report import report_flow
from photoflow.analytics.report import (
    QUERIES,
    ReportError,
    auto_pass_rates,
    build_tables,
    reshoot_rates,
    review_sla,
    reviewer_throughput,
    score_distribution,
    status_durations,
    write_report,
)
from photoflow.manual_review.decisions import decide
from photoflow.manual_review.queue import claim, queue_counts
from schemas.db import session_scope
from schemas.enums import EducationCategory, RecordStatus
from schemas.manual_review import ManualDecision, ManualReview
from schemas.photos import AutoReview
from schemas.reasons import ManualRejectReason, PhotoReason
from schemas.records import RecordEvent, StudentRecord
from schemas.reshoots import ReshootRequest, ReshootSource
from schemas.similarity import Comparison, ComparisonKind, ComparisonOutcome, SimilarityBand
from tests.cli.test_cli import run
from tests.helpers import INSTITUTION_NAME
from tests.paths import PROJECT
from tests.review_helpers import hold, manual_queue, reject, second_institution

pytestmark = pytest.mark.usefixtures("contract")

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
DOCS = PROJECT / "docs" / "analytics.md"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def record_ids(engine, review_ids: list[int]) -> list[int]:
    with session_scope(engine) as session:
        reviews = session.exec(select(ManualReview).where(col(ManualReview.id).in_(review_ids))).all()
        by_review = {review.id: review.record_id for review in reviews}
    return [by_review[review_id] for review_id in review_ids]


def test_auto_pass_rates_count_photos_failing_each_reason(engine, settings, tmp_path):
    manual_queue(engine, settings, tmp_path, 4)
    failing = [["blurred", "underexposed"], ["blurred"], ["blurred", "no_such_code"]]
    with session_scope(engine) as session:
        reviews = session.exec(select(AutoReview).order_by(AutoReview.id)).all()
        for review, reasons in zip(reviews, failing, strict=False):
            review.passed, review.reasons = False, reasons
            session.add(review)

    table = auto_pass_rates(engine)

    assert table.select("reason", "reviewed", "failed", "pass_rate").rows() == [
        ("blurred", 4, 3, 0.25),
        ("no_such_code", 4, 1, 0.75),
        ("underexposed", 4, 1, 0.75),
    ]
    blurred = table.row(0, named=True)
    assert (blurred["zh"], blurred["en"]) == (PhotoReason.BLURRED.zh, PhotoReason.BLURRED.en)
    assert table.row(1, named=True)["en"] == "no_such_code"


def test_status_durations_take_median_and_p90_of_consecutive_events(engine, settings, tmp_path):
    first, second = record_ids(engine, manual_queue(engine, settings, tmp_path, 2))
    hours = {first: (0, 1, 3), second: (0, 2, 6)}
    statuses = (RecordStatus.AWAITING_PHOTO, RecordStatus.IN_AUTO_REVIEW, RecordStatus.IN_MANUAL_REVIEW)
    with session_scope(engine) as session:
        session.exec(delete(RecordEvent))
        for record_id, offsets in hours.items():
            previous = None
            for status, offset in zip(statuses, offsets, strict=True):
                session.add(
                    RecordEvent(
                        record_id=record_id,
                        from_status=previous,
                        to_status=status,
                        actor="test",
                        at=BASE + timedelta(hours=offset),
                    )
                )
                previous = status

    table = status_durations(engine)

    assert table.select("status", "stays", "median_hours", "p90_hours", "open").rows() == [
        ("awaiting_photo", 2, 1.5, pytest.approx(1.9), 0),
        ("in_auto_review", 2, 3.0, pytest.approx(3.8), 0),
        ("in_manual_review", 0, None, None, 2),
    ]
    assert table["zh"].to_list() == [s.zh for s in statuses]


def test_reviewer_throughput_counts_decisions_per_reviewer_and_day(engine, settings, tmp_path):
    reviews = manual_queue(engine, settings, tmp_path, 6)
    with session_scope(engine) as session:
        session.exec(update(ManualReview).values(entered_at=BASE))
    claim(engine, reviewer="bob", limit=5, lease=timedelta(minutes=15))
    for minute, review_id in enumerate(reviews[:5], start=1):
        rejected = minute <= 2
        decide(
            engine,
            review_id,
            reviewer="bob",
            decision=ManualDecision.REJECTED if rejected else ManualDecision.APPROVED,
            reasons=[ManualRejectReason.SHADOW] if rejected else [],
            now=BASE + timedelta(minutes=minute),
        )
    claim(engine, reviewer="carol", limit=1, lease=timedelta(minutes=15))
    decide(
        engine,
        reviews[5],
        reviewer="carol",
        decision=ManualDecision.APPROVED,
        now=BASE + timedelta(days=1, hours=1),
    )

    table = reviewer_throughput(engine)

    assert table.rows() == [
        ("bob", date(2026, 3, 2), 5, 3, 2, 180.0),
        ("carol", date(2026, 3, 3), 1, 1, 0, 90_000.0),
    ]


def test_score_distribution_bins_scores_by_ten_with_band_counts(engine, settings, tmp_path):
    reviews = manual_queue(engine, settings, tmp_path, 3)
    reference = tmp_path / "reference.jpg"
    reference.write_bytes(b"not looked at")
    for review_id, score in zip(reviews, (40.0, 50.0, 55.0), strict=True):
        hold(engine, settings, review_id, score=score, reference=reference)
    with session_scope(engine) as session:
        queued = session.exec(select(ManualReview).order_by(ManualReview.id)).all()
        registry = [
            (85.5, SimilarityBand.SAME, ComparisonOutcome.SCORED),
            (100.0, SimilarityBand.SAME, ComparisonOutcome.SCORED),
            (None, None, ComparisonOutcome.REFERENCE_NOT_FOUND),
        ]
        for review, (score, band, outcome) in zip(queued, registry, strict=True):
            session.add(
                Comparison(
                    record_id=review.record_id,
                    attempt_id=review.attempt_id,
                    kind=ComparisonKind.ID_REGISTRY,
                    outcome=outcome,
                    model="Dlib",
                    model_version="test",
                    score=score,
                    band=band,
                    compared_by="test",
                )
            )

    table = score_distribution(engine)

    assert table.height == 20
    assert table.filter(pl.col("scored") > 0).select(
        "kind", "bin_low", "bin_high", "scored", "same", "possible", "different"
    ).sort("kind", "bin_low").rows() == [
        ("enrollment", 40, 50, 1, 0, 0, 1),
        ("enrollment", 50, 60, 2, 0, 1, 1),
        ("id_registry", 80, 90, 1, 1, 0, 0),
        ("id_registry", 90, 100, 1, 1, 0, 0),
    ]
    assert table["scored"].sum() == 5


def sla_queue(engine, settings, tmp_path) -> None:
    """Two batches of manual-queue items, each waiting or decided on, or a second inside, a boundary
    of the (1, 3) day SLA as of NOW."""
    second_institution(engine)
    first = manual_queue(engine, settings, tmp_path, 10)
    other = manual_queue(engine, settings, tmp_path, 2, seed=12, institution="10002")
    day, second = timedelta(days=1), timedelta(seconds=1)
    waiting = [timedelta(0), day - second, day, 3 * day - second, 3 * day, 10 * day]  # 2 per state
    waited = [day - second, day, 3 * day - second, 3 * day]  # decided: three on time, one late
    items = [(NOW - age, None) for age in waiting] + [(BASE, BASE + wait) for wait in waited]
    items += [(NOW - 5 * day, NOW - day), (NOW - timedelta(hours=1), None)]
    with session_scope(engine) as session:
        for review_id, (entered_at, decided_at) in zip(first + other, items, strict=True):
            review = session.get(ManualReview, review_id)
            review.entered_at, review.decided_at = entered_at, decided_at
            if decided_at is not None:
                review.decision, review.decided_by = ManualDecision.APPROVED, "bob"
            session.add(review)


def test_review_sla_counts_open_items_now_and_decisions_by_their_wait_per_batch(engine, settings, tmp_path):
    sla_queue(engine, settings, tmp_path)

    table = review_sla(engine, now=NOW, sla_days=(1, 3))

    columns = [
        "institution_code",
        "institution_name",
        "category",
        "en",
        "learning_centre",
        "open_on_time",
        "open_due",
        "open_overdue",
        "decided",
        "decided_on_time",
        "decided_late",
        "on_time_rate",
    ]
    assert table.select(columns).rows() == [
        ("10001", INSTITUTION_NAME, "regular", EducationCategory.REGULAR.en, "", 2, 2, 2, 4, 3, 1, 0.75),
        ("10002", "第二测试学院", "regular", EducationCategory.REGULAR.en, "", 1, 0, 0, 1, 0, 1, 0.0),
    ]


def test_review_sla_agrees_with_the_queue_page_on_boundary_days(engine, settings, tmp_path):
    sla_queue(engine, settings, tmp_path)

    table = review_sla(engine, now=NOW)
    counts = queue_counts(engine, settings, reviewer="bob", now=NOW)

    assert settings.review_sla_days == (1, 3)
    assert (counts.on_time, counts.due, counts.overdue) == tuple(
        table[column].sum() for column in ("open_on_time", "open_due", "open_overdue")
    )
    assert review_sla(engine, now=NOW + timedelta(seconds=1)).select(
        "open_on_time", "open_due", "open_overdue"
    ).rows() == [
        (1, 2, 3),
        (1, 0, 0),
    ]


def test_reshoot_rates_per_institution_count_records_and_sources(engine, settings, tmp_path):
    second_institution(engine)
    first = manual_queue(engine, settings, tmp_path, 4)
    other = record_ids(engine, manual_queue(engine, settings, tmp_path, 2, seed=12, institution="10002"))
    reject(engine, first[:2])
    with session_scope(engine) as session:
        for attempt_no in (1, 2):
            session.add(
                ReshootRequest(
                    record_id=other[0],
                    attempt_no=attempt_no,
                    source=ReshootSource.AUTO_REVIEW,
                    requested_by="test",
                )
            )

    table = reshoot_rates(engine)

    columns = [
        "institution_code",
        "records",
        "records_reshot",
        "reshoot_rate",
        "reshoots",
        "auto_review",
        "manual_review",
        "held",
        "registry",
    ]
    assert table.select(columns).rows() == [
        ("10001", 4, 2, 0.5, 2, 0, 2, 0, 0),
        ("10002", 2, 1, 0.5, 2, 2, 0, 0, 0),
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_report_files_read_back_and_show_no_id_numbers(engine, settings, tmp_path, fmt):
    reviews = manual_queue(engine, settings, tmp_path, 3)
    reject(engine, reviews[:1])
    tables = build_tables(engine)

    files = write_report(engine, tmp_path / "report", fmt=fmt)

    assert sorted(p.name for p in files) == sorted(
        [f"{name}.{fmt}" for name in tables]
        + [
            "auto_fail_rates.png",
            "status_hours.png",
            "reviewer_throughput.png",
            "score_distribution.png",
            "reshoot_rates.png",
            "review_sla.png",
        ]
    )
    read = pl.read_csv if fmt == "csv" else pl.read_parquet
    for name, frame in tables.items():
        back = read(tmp_path / "report" / f"{name}.{fmt}")
        assert back.shape == frame.shape and back.columns == frame.columns
    reshoots = read(tmp_path / "report" / f"reshoot_rates.{fmt}")
    assert reshoots.select("records", "records_reshot").row(0) == (3, 1)
    for png in (p for p in files if p.suffix == ".png"):
        assert png.read_bytes().startswith(PNG_MAGIC)
    with session_scope(engine) as session:
        id_numbers = session.exec(select(StudentRecord.id_number)).all()
        names = session.exec(select(StudentRecord.name)).all()
    cells = " ".join(str(v) for frame in tables.values() for row in frame.rows() for v in row)
    written = " ".join(p.read_bytes().decode("utf-8", "replace") for p in files if p.suffix == ".csv")
    assert id_numbers and not any(number in cells + written for number in id_numbers)
    assert names and not any(name in cells + written for name in names)
    assert not re.search(r"(?<![\d.])\d{17}[\dXx](?!\d)", cells + written)  # not inside a float


def test_empty_database_still_gives_every_table_and_chart(engine, tmp_path):
    files = write_report(engine, tmp_path / "report", fmt="parquet")

    assert len(files) == 12
    assert pl.read_parquet(tmp_path / "report" / "auto_pass_rates.parquet").is_empty()
    assert pl.read_parquet(tmp_path / "report" / "review_sla.parquet").is_empty()
    assert pl.read_parquet(tmp_path / "report" / "score_distribution.parquet")["scored"].sum() == 0


def test_unknown_format_is_refused_with_the_choices(engine, tmp_path):
    with pytest.raises(ReportError, match="csv, parquet"):
        write_report(engine, tmp_path / "report", fmt="xlsx")  # type: ignore[arg-type]


def test_report_command_prints_json_list_of_tables_and_rows(monkeypatch, capsys, engine, settings, tmp_path):
    manual_queue(engine, settings, tmp_path, 2)

    code, out, _ = run(
        monkeypatch, capsys, "report", "--out", str(tmp_path / "out"), "--format", "csv", "--json"
    )

    assert code == 0, out
    listed = {item["table"]: item for item in json.loads(out)}
    assert listed["reshoot_rates"]["rows"] == 1
    assert listed["score_distribution"]["rows"] == 20
    assert listed["status_hours_plot"]["rows"] is None
    assert all(Path(item["path"]).is_file() for item in listed.values())
    code, _, err = run(monkeypatch, capsys, "report", "--format", "xlsx")
    assert code == 2 and "csv, parquet" in err


def test_documented_sql_is_the_sql_the_report_runs():
    documented = DOCS.read_text(encoding="utf-8")
    for name, sql in QUERIES.items():
        assert sql in documented, f"docs/analytics.md lacks the current SQL of {name}"


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_the_nightly_report_flow_writes_every_table_and_chart_into_a_dated_folder(engine, settings):
    written = [Path(path) for path in report_flow("csv")]

    assert len(written) == 12 and all(path.is_file() for path in written)
    assert {path.parent.parent for path in written} == {settings.data_dir / "reports"}
