"""Roster ingestion speed: a generated 10,000-row roster, read -> check -> store, rows/s and peak memory.

    .venv/bin/python benchmarks/ingest_roster.py [--rows 10000] [--database-url URL]

Prints each stage's time, the whole ingest cold (first in the process: the GX context is built) and
warm, the end-to-end Prefect flow, and a baseline run in the same process: storing the same checked
rows as one ORM object per record and per event, the straightforward way, against `state.admit`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m, from anywhere

from benchmarks.workdir import temporary_workdir

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()

    workdir = temporary_workdir(args.database_url)
    from photoflow.settings import configure_prefect, get_settings

    settings = get_settings()
    configure_prefect(settings)

    from sqlmodel import Session

    from photoflow.database import get_engine
    from photoflow.roster.ingest import ingest_roster, prepare_upload, read_and_check, store_intake
    from photoflow.roster.store import UploadAuthor
    from photoflow.sandbox.seeding import SAMPLE_CATEGORY, sample_contract, sample_roster_file
    from schemas.enums import RecordStatus
    from schemas.records import RecordEvent, StudentRecord

    engine = get_engine(settings.db_url)
    category = SAMPLE_CATEGORY
    codes = [f"{90000 + i}" for i in range(5)]
    for code in codes:
        sample_contract(engine, code, f"基准大学{code}")
    files = [
        sample_roster_file(workdir, code, f"基准大学{code}", args.rows, seed=index)[1]
        for index, code in enumerate(codes[:4])
    ]
    author = UploadAuthor("benchmark", None)
    print(f"database: {engine.url.render_as_string(hide_password=True)}  rows per roster: {args.rows}")
    print(f"roster file: {files[0].stat().st_size / 1024 / 1024:.1f} MB xlsx")

    def timed_ingest(code: str, path: Path) -> float:
        start = time.perf_counter()
        report = ingest_roster(
            engine,
            settings,
            source=path,
            institution_code=code,
            category=category,
            author=author,
            today=date.today(),
        )
        assert report.succeeded == args.rows, report.model_dump(exclude={"errors"})
        return time.perf_counter() - start

    rss_before = peak_rss_mb()
    start = time.perf_counter()
    import great_expectations  # noqa: F401  (once per process; reported apart from throughput)

    gx_import = time.perf_counter() - start
    cold = timed_ingest(codes[0], files[0])
    warm = timed_ingest(codes[1], files[1])
    rss_after = peak_rss_mb()

    # Stage by stage (warm), on a third institution.
    context = prepare_upload(
        engine, institution_code=codes[2], category=category, learning_centre="", today=date.today()
    )
    from photoflow.roster.reader import read_roster

    start = time.perf_counter()
    read_roster(
        files[2], file_name="x.xlsx", max_bytes=settings.max_upload_bytes, max_rows=settings.max_roster_rows
    )
    read_only = time.perf_counter() - start
    start = time.perf_counter()
    intake = read_and_check(settings, files[2], context)
    read_and_checked = time.perf_counter() - start
    start = time.perf_counter()
    store_intake(engine, context, intake, author)
    stored = time.perf_counter() - start

    # Baseline: the same checked rows stored one ORM object at a time (fourth institution's batch).
    baseline_context = prepare_upload(
        engine, institution_code=codes[3], category=category, learning_centre="", today=date.today()
    )
    baseline_rows = read_and_check(settings, files[3], baseline_context).checked.accepted
    start = time.perf_counter()
    with Session(engine) as session:
        for row in baseline_rows.iter_rows(named=True):
            source_row = row.pop("row")
            record = StudentRecord(
                **row,
                batch_id=baseline_context.batch_id,
                upload_id=1,
                source_row=source_row,
                status=RecordStatus.AWAITING_PHOTO,
            )
            session.add(record)
            session.flush()
            session.add(
                RecordEvent(record_id=record.id, to_status=RecordStatus.AWAITING_PHOTO, actor="baseline")
            )
        session.commit()
    baseline_store = time.perf_counter() - start

    # End to end through Prefect (the temporary server's start-up is reported apart).
    from flows.roster_upload import roster_upload_flow

    _, last_file = sample_roster_file(workdir, codes[4], "x", args.rows, seed=9)
    start = time.perf_counter()
    roster_upload_flow(str(last_file), codes[4], category.value)
    flow_total = time.perf_counter() - start

    n = args.rows
    print(f"once per process: import great_expectations {gx_import:.2f} s")
    print(f"ingest cold (incl. GX context build): {cold:6.2f} s  {n / cold:8.0f} rows/s")
    print(
        f"ingest warm:                          {warm:6.2f} s  {n / warm:8.0f} rows/s   target >= 2000 rows/s"
    )
    print(f"  read only (fastexcel + sheet XML):  {read_only:6.2f} s")
    print(f"  stage + read + check (GX, GB 11643): {read_and_checked:5.2f} s")
    print(f"  store (bulk, one transaction):      {stored:6.2f} s")
    print(
        f"baseline store, one ORM object per row: {baseline_store:6.2f} s  -> bulk store is "
        f"{baseline_store / stored:.1f}x faster"
    )
    print(
        f"Prefect flow end to end (first run in process, incl. temporary server start): {flow_total:6.2f} s"
    )
    print(f"peak RSS: {rss_after:.0f} MB (before the first ingest: {rss_before:.0f} MB)")


if __name__ == "__main__":
    main()
