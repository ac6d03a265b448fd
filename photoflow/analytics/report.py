"""The analysts' report: one polars table per question, read with SQL that runs on SQLite and PostgreSQL.

Each table's SQL is a constant here and is copied into `docs/analytics.md` (a test keeps the two the
same), so an analyst can run it directly. The SQL reads only what both databases agree on (joins,
`LEAD`, `CAST ... AS TEXT`); what they disagree on (medians and percentiles, date arithmetic, unpacking
JSON lists) is done in polars. No query selects a name or an ID number: the report is meant to be
passed around. Like the queue page, the report judges review age with the manual queue's own
`sla_state`, so the two never disagree about a boundary day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from photoflow.errors import PhotoflowError
from photoflow.manual_review.queue import sla_state
from photoflow.settings import get_settings
from photoflow.spreadsheet_safety import defused_text_columns
from schemas.clock import utcnow
from schemas.enums import EducationCategory, RecordStatus
from schemas.labels import LabelledEnum
from schemas.manual_review import SlaState
from schemas.reasons import PhotoReason
from schemas.reshoots import ReshootSource
from schemas.similarity import ComparisonKind, SimilarityBand

ReportFormat = Literal["csv", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "parquet")
BIN_WIDTH = 10

AUTO_REVIEWS_SQL = """
SELECT a.id AS review_id, a.passed, CAST(a.reasons AS TEXT) AS reasons
FROM autoreview a
""".strip()

STATUS_STAYS_SQL = """
SELECT e.record_id, e.to_status AS status, e.at AS entered_at,
       LEAD(e.at) OVER (PARTITION BY e.record_id ORDER BY e.at, e.id) AS left_at
FROM recordevent e
""".strip()

DECIDED_REVIEWS_SQL = """
SELECT m.decided_by AS reviewer, m.decision, m.entered_at, m.decided_at
FROM manualreview m
WHERE m.decided_at IS NOT NULL AND m.decided_by IS NOT NULL
""".strip()

SCORED_COMPARISONS_SQL = """
SELECT c.kind, c.score, c.band
FROM comparison c
WHERE c.outcome = 'scored' AND c.score IS NOT NULL
""".strip()

_SOURCE_SUMS = ",\n".join(
    f"       SUM(CASE WHEN q.source = '{source.value}' THEN 1 ELSE 0 END) AS {source.value}"
    for source in ReshootSource
)
RESHOOTS_SQL = f"""
SELECT r.institution_code,
       MAX(r.institution_name) AS institution_name,
       COUNT(DISTINCT r.id) AS records,
       COUNT(DISTINCT q.record_id) AS records_reshot,
       COUNT(q.id) AS reshoots,
{_SOURCE_SUMS}
FROM studentrecord r
LEFT JOIN reshootrequest q ON q.record_id = r.id
GROUP BY r.institution_code
ORDER BY r.institution_code
""".strip()

QUEUE_ITEMS_SQL = """
SELECT m.batch_id, b.institution_code, i.name AS institution_name, b.category, b.learning_centre,
       m.decision, m.entered_at, m.decided_at
FROM manualreview m
JOIN batch b ON b.id = m.batch_id
JOIN institution i ON i.code = b.institution_code
""".strip()

QUERIES: dict[str, str] = {
    "auto_pass_rates": AUTO_REVIEWS_SQL,
    "status_durations": STATUS_STAYS_SQL,
    "reviewer_throughput": DECIDED_REVIEWS_SQL,
    "score_distribution": SCORED_COMPARISONS_SQL,
    "reshoot_rates": RESHOOTS_SQL,
    "review_sla": QUEUE_ITEMS_SQL,
}


class ReportError(PhotoflowError):
    pass


@dataclass(frozen=True)
class ReportFile:
    """One file the report wrote: which table (or plot) it holds, and how many rows (None for a plot)."""

    table: str
    path: Path
    rows: int | None


def _read(engine: Engine, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The query's rows with the given dtypes, whichever database answered.

    SQLite hands back timestamps as text and booleans as 0/1, PostgreSQL as typed values, and an empty
    result has no dtypes at all; this evens them out. Timestamps come back naive, in UTC.
    """
    with engine.connect() as connection:
        frame = pl.read_database(sql, connection)
    columns = []
    for name, dtype in schema.items():
        column = pl.col(name)
        current = frame.schema[name]
        if isinstance(dtype, pl.Datetime) and current == pl.String:
            column = column.str.to_datetime(time_unit="us", time_zone="UTC").dt.replace_time_zone(None)
        elif isinstance(current, pl.Datetime) and current.time_zone is not None:
            column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        columns.append(column.cast(dtype).alias(name))
    return frame.select(columns)


def _labels(column: str, members: type[LabelledEnum]) -> list[pl.Expr]:
    """The `zh` and `en` columns naming each stored value of `column`; an unknown value is shown as is."""
    zh = {member.value: member.zh for member in members}
    en = {member.value: member.en for member in members}
    return [
        pl.col(column).replace_strict(zh, default=pl.col(column)).alias("zh"),
        pl.col(column).replace_strict(en, default=pl.col(column)).alias("en"),
    ]


def auto_pass_rates(engine: Engine) -> pl.DataFrame:
    """Per reason code of stage 1: how many reviewed photos failed it, and the share that did not."""
    reviews = _read(
        engine, AUTO_REVIEWS_SQL, {"review_id": pl.Int64(), "passed": pl.Boolean(), "reasons": pl.String()}
    )
    reviewed = reviews.height
    failures = (
        reviews.select(pl.col("review_id"), pl.col("reasons").str.json_decode(pl.List(pl.String)))
        .explode("reasons")
        .drop_nulls("reasons")
        .unique()
        .group_by(pl.col("reasons").alias("reason"))
        .agg(pl.len().cast(pl.Int64).alias("failed"))
    )
    return (
        failures.with_columns(
            *_labels("reason", PhotoReason),
            pl.lit(reviewed, dtype=pl.Int64).alias("reviewed"),
        )
        .with_columns((pl.col("failed") / pl.col("reviewed")).alias("fail_rate"))
        .with_columns((1 - pl.col("fail_rate")).alias("pass_rate"))
        .select("reason", "zh", "en", "reviewed", "failed", "fail_rate", "pass_rate")
        .sort(["failed", "reason"], descending=[True, False])
    )


def status_durations(engine: Engine) -> pl.DataFrame:
    """Per status: completed stays (entered, then left by the record's next event), their median and
    90th-percentile hours, and stays still open (records in that status now)."""
    schema = {
        "record_id": pl.Int64(),
        "status": pl.String(),
        "entered_at": pl.Datetime("us"),
        "left_at": pl.Datetime("us"),
    }
    stays = _read(engine, STATUS_STAYS_SQL, schema)
    hours = (pl.col("left_at") - pl.col("entered_at")).dt.total_microseconds() / 3_600_000_000
    per_status = stays.group_by("status").agg(
        hours.drop_nulls().len().cast(pl.Int64).alias("stays"),
        hours.median().alias("median_hours"),
        hours.quantile(0.9, interpolation="linear").alias("p90_hours"),
        pl.col("left_at").is_null().sum().cast(pl.Int64).alias("open"),
    )
    order = pl.DataFrame(
        {
            "status": [s.value for s in RecordStatus],
            "zh": [s.zh for s in RecordStatus],
            "en": [s.en for s in RecordStatus],
            "order": list(range(len(RecordStatus))),
        }
    )
    return (
        per_status.join(order, on="status", how="left")
        .sort(["order", "status"], nulls_last=True)
        .select("status", "zh", "en", "stays", "median_hours", "p90_hours", "open")
    )


def reviewer_throughput(engine: Engine) -> pl.DataFrame:
    """Per reviewer per day (UTC) of decision: photos decided, approved and rejected, and the median
    seconds those photos had waited in the queue (entered_at to decided_at)."""
    decided = _read(
        engine,
        DECIDED_REVIEWS_SQL,
        {
            "reviewer": pl.String(),
            "decision": pl.String(),
            "entered_at": pl.Datetime("us"),
            "decided_at": pl.Datetime("us"),
        },
    )
    waited = (pl.col("decided_at") - pl.col("entered_at")).dt.total_microseconds() / 1_000_000
    return (
        decided.group_by("reviewer", pl.col("decided_at").dt.date().alias("day"))
        .agg(
            pl.len().cast(pl.Int64).alias("decided"),
            (pl.col("decision") == "approved").sum().cast(pl.Int64).alias("approved"),
            (pl.col("decision") == "rejected").sum().cast(pl.Int64).alias("rejected"),
            waited.median().alias("median_seconds_in_queue"),
        )
        .sort("reviewer", "day")
    )


def score_distribution(engine: Engine) -> pl.DataFrame:
    """Per comparison kind and score bin of 10 (100 falls in 90-100): scored photos, and how many of
    them fell in each band. Every kind has all ten bins, so reports line up run after run."""
    scored = _read(
        engine, SCORED_COMPARISONS_SQL, {"kind": pl.String(), "score": pl.Float64(), "band": pl.String()}
    )
    bins = scored.with_columns(
        ((pl.col("score") // BIN_WIDTH) * BIN_WIDTH).clip(0, 100 - BIN_WIDTH).cast(pl.Int64).alias("bin_low")
    )
    counts = bins.group_by("kind", "bin_low").agg(
        pl.len().cast(pl.Int64).alias("scored"),
        *[(pl.col("band") == band.value).sum().cast(pl.Int64).alias(band.value) for band in SimilarityBand],
    )
    grid = pl.DataFrame(
        {
            "kind": [k.value for k in ComparisonKind for _ in range(0, 100, BIN_WIDTH)],
            "zh": [k.zh for k in ComparisonKind for _ in range(0, 100, BIN_WIDTH)],
            "en": [k.en for k in ComparisonKind for _ in range(0, 100, BIN_WIDTH)],
            "bin_low": [low for _ in ComparisonKind for low in range(0, 100, BIN_WIDTH)],
        }
    )
    band_columns = [band.value for band in SimilarityBand]
    return (
        grid.join(counts, on=["kind", "bin_low"], how="left")
        .with_columns(
            (pl.col("bin_low") + BIN_WIDTH).alias("bin_high"),
            *[pl.col(c).fill_null(0) for c in ["scored", *band_columns]],
        )
        .select("kind", "zh", "en", "bin_low", "bin_high", "scored", *band_columns)
    )


def reshoot_rates(engine: Engine) -> pl.DataFrame:
    """Per institution: records, records asked for at least one reshoot, that share, and the reshoot
    requests in all and per rejecting stage."""
    sources = [source.value for source in ReshootSource]
    counts = ["records", "records_reshot", "reshoots", *sources]
    schema: dict[str, pl.DataType] = {"institution_code": pl.String(), "institution_name": pl.String()}
    schema |= dict.fromkeys(counts, pl.Int64())
    frame = _read(engine, RESHOOTS_SQL, schema)
    return frame.with_columns((pl.col("records_reshot") / pl.col("records")).alias("reshoot_rate")).select(
        "institution_code",
        "institution_name",
        "records",
        "records_reshot",
        "reshoot_rate",
        "reshoots",
        *sources,
    )


def review_sla(
    engine: Engine, *, now: datetime | None = None, sla_days: tuple[int, int] | None = None
) -> pl.DataFrame:
    """Per batch with manual-queue items: open items on time, due and overdue now, and items decided
    on time (before they were overdue) or late, with the on-time rate of those decided.

    Each item goes through the queue's `sla_state` (at `now` while open, at its decision once decided)
    rather than a copy of its rule in polars, so the report and the queue page count the same items as
    overdue. `sla_days` defaults to the settings' `review_sla_days`.
    """
    now = (now or utcnow()).astimezone(UTC).replace(tzinfo=None)
    days = sla_days or get_settings().review_sla_days
    schema = {
        "batch_id": pl.Int64(),
        "institution_code": pl.String(),
        "institution_name": pl.String(),
        "category": pl.String(),
        "learning_centre": pl.String(),
        "decision": pl.String(),
        "entered_at": pl.Datetime("us"),
        "decided_at": pl.Datetime("us"),
    }
    items = _read(engine, QUEUE_ITEMS_SQL, schema)
    state = pl.struct("entered_at", "decided_at").map_elements(
        lambda item: sla_state(item["entered_at"], item["decided_at"] or now, days).value,
        return_dtype=pl.String,
    )
    is_open, decided = pl.col("decision").is_null(), pl.col("decided_at").is_not_null()
    late = pl.col("sla") == SlaState.OVERDUE.value
    per_batch = (
        items.with_columns(state.alias("sla"))
        .group_by("batch_id")
        .agg(
            pl.col("institution_code", "institution_name", "category", "learning_centre").first(),
            *[
                (is_open & (pl.col("sla") == s.value)).sum().cast(pl.Int64).alias(f"open_{s.value}")
                for s in SlaState
            ],
            decided.sum().cast(pl.Int64).alias("decided"),
            (decided & ~late).sum().cast(pl.Int64).alias("decided_on_time"),
            (decided & late).sum().cast(pl.Int64).alias("decided_late"),
        )
    )
    return (
        per_batch.with_columns(
            *_labels("category", EducationCategory),
            pl.when(pl.col("decided") > 0)
            .then(pl.col("decided_on_time") / pl.col("decided"))
            .alias("on_time_rate"),
        )
        .select(
            "batch_id",
            "institution_code",
            "institution_name",
            "category",
            "zh",
            "en",
            "learning_centre",
            *[f"open_{s.value}" for s in SlaState],
            "decided",
            "decided_on_time",
            "decided_late",
            "on_time_rate",
        )
        .sort("institution_code", "category", "learning_centre", "batch_id")
    )


TABLES = {
    "auto_pass_rates": auto_pass_rates,
    "status_durations": status_durations,
    "reviewer_throughput": reviewer_throughput,
    "score_distribution": score_distribution,
    "reshoot_rates": reshoot_rates,
    "review_sla": review_sla,
}


def build_tables(engine: Engine) -> dict[str, pl.DataFrame]:
    """Every table of the report, by name."""
    return {name: build(engine) for name, build in TABLES.items()}


def write_tables(tables: dict[str, pl.DataFrame], folder: Path, *, fmt: str = "csv") -> list[ReportFile]:
    """One file per table (CSV with a BOM, so Excel shows the Chinese labels; or Parquet) plus the plots."""
    from photoflow.analytics.plots import write_plots

    if fmt not in FORMATS:
        raise ReportError(f"'{fmt}' is not a report format; use one of: {', '.join(FORMATS)}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReportError(f"cannot create the report folder {folder}: {error.strerror}") from None
    written = []
    for name, frame in tables.items():
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":  # institution and learning-centre names, reviewers: text a spreadsheet might run
            defused_text_columns(frame).write_csv(path, include_bom=True)
        else:
            frame.write_parquet(path)
        written.append(ReportFile(name, path, frame.height))
    written += [ReportFile(name, path, None) for name, path in write_plots(tables, folder)]
    return written


def write_report(engine: Engine, folder: Path, *, fmt: ReportFormat = "csv") -> list[Path]:
    """Compute every table and write it, with its plots, into `folder`; returns the files written."""
    return [file.path for file in write_tables(build_tables(engine), folder, fmt=fmt)]
