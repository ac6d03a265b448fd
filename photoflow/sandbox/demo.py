"""`photoflow demo`: one collection batch of 50 students through the whole DAG, in a folder of its own.

Everything is built from `../shared/datasets` and runs here: the embedded SQLite database, an
ephemeral Prefect server, the ID-registry photo service and the registry's submission API as local
simulators. The story, as ops would see it:

1. the institution uploads a roster with typical mistakes (the failed rows are reported);
2. the batch flow runs with the fixed roster (only the failed rows are added) and a folder of real
   portraits (a few smiling or greyscale, one named for nobody): stage 1 reviews them, the manual
   queue fills, printing waits;
3. the institution uploads an enrollment-photo zip (one photo of the wrong person, one over 100 KB);
4. a reviewer works the queue: approves most photos, rejects two (the students are asked to reshoot);
5. the scheduled advance flow carries the decisions on: stage 3 (the ID registry does not know one
   student), held records, registry submission (the simulator fails its first calls and rejects one
   photo), student notices queued;
6. the admin decides the held records and the institution re-sends the enrollment photo that was too big;
7. the batch flow runs again: it compares the late photo, submits what the admin released, and orders
   the prints split by department;
8. the deliverables: an Excel export, a download package, the bill; then the summary table.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict, cast

from pydantic import BaseModel, SecretStr
from sqlalchemy import Engine, func
from sqlmodel import select

from photoflow.errors import PhotoflowError
from photoflow.roster.workbook import write_roster_workbook
from photoflow.sandbox.sample_rosters import generate_rows
from photoflow.sandbox.seeding import SAMPLE_CATEGORY, SAMPLE_PRICE, sample_contract
from photoflow.settings import Settings, get_settings
from photoflow.stage_summary import StatusCount, stage_summary
from schemas.download_reports import DownloadPackageOut
from schemas.enrollment import EnrollmentReport
from schemas.export_reports import ExportOut
from schemas.print_reports import BillingOut
from schemas.records import RecordEvent
from schemas.reports import HeldOut, HoldDecisionReport, UploadReport
from schemas.run_reports import AdvanceRun, BatchRun

MARKER = ".photoflow-demo"
INSTITUTION, NAME = "10001", "示范大学 Demo University"
CATEGORY = SAMPLE_CATEGORY
STUDENTS = 50
FAULTY = 3  # the last students' photos: two smiling, one greyscale
REVIEWER_REJECTS = (6, 9)  # positions in the queue a reviewer rejects
REGISTRY_REJECTS = 10  # the student whose photo the registry rejects
TOO_BIG = 3  # the student whose enrollment photo is over 100 KB
WRONG_PERSON = 2  # the student whose enrollment photo shows someone else


class PrintRequest(TypedDict, total=False):
    """The batch flow's print arguments the demo passes (none on a machine without a font)."""

    print_layout: str
    print_address: str


PRINT: PrintRequest = {"print_layout": "one_inch", "print_address": "示范大学教务处 / Demo University office"}


class DemoReport(BaseModel):
    """What the demo did, stage by stage; `batch_id`, `counts`, `received` and `distinct` sum it up."""

    workdir: str
    batch_id: int
    counts: dict[str, int]
    received: int
    distinct: int
    contract: str
    template: str
    roster: UploadReport
    first_run: BatchRun
    enrollment: EnrollmentReport
    reviewer: dict[str, int]
    advance: AdvanceRun
    held: list[HeldOut]
    decisions: list[HoldDecisionReport]
    late_enrollment: EnrollmentReport
    second_run: BatchRun
    registry: dict[str, int]
    notices: dict[str, int]
    export: ExportOut
    download: DownloadPackageOut
    billing: BillingOut
    events_logged: int
    statuses: list[StatusCount]
    prints_skipped: str | None = None  # why no prints were ordered (no font for the names), if so


def _fresh_workdir(workdir: Path) -> Path:
    """Empty the folder only if a previous demo made it; never wipe someone else's files."""
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise PhotoflowError(
                f"{workdir} is not empty and was not made by the demo: choose another --workdir"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by photoflow demo; safe to delete\n")
    return workdir.resolve()


def with_mistakes(rows: list[dict[str, str]]) -> tuple[list[dict[str, str | None]], frozenset[int]]:
    """A copy of `rows` with the mistakes rosters really arrive with; returns the numeric-cell positions."""
    broken: list[dict[str, str | None]] = [dict(row) for row in rows]
    broken[3]["id_number"] = rows[3]["id_number"][:17] + ("0" if rows[3]["id_number"][17] != "0" else "1")
    broken[8]["id_number"] = broken[2]["id_number"]  # pasted twice
    broken[11]["name"] = None
    broken[15]["level"] = "本科生"
    broken[21]["entry_year"] = str(date.today().year + 1)
    broken[30]["id_number"] = rows[30]["id_number"].lower()  # accepted: x is normalised to X
    return broken, frozenset({5})  # row 5's ID typed into a General cell: digits lost


def run_demo(workdir: Path) -> DemoReport:
    workdir = _fresh_workdir(workdir)
    os.environ["PHOTOFLOW_DATA_DIR"] = str(workdir / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("PHOTOFLOW_DATABASE_URL", None)
    get_settings.cache_clear()
    settings = get_settings()
    datasets = Dataset(settings.datasets_dir)
    prints, prints_skipped = _print_request()

    from flows.advance import advance_flow
    from flows.batch import batch_flow
    from flows.roster_upload import roster_upload_flow
    from photoflow.database import default_engine
    from photoflow.similarity.enrollment import upload_enrollment_photos
    from schemas.db import session_scope

    engine = default_engine()
    sample_contract(engine, INSTITUTION, NAME, services=frozenset({"id", "enrollment"}), interception=True)
    template = write_roster_workbook(workdir / "roster-template.xlsx")
    rows = generate_rows(STUDENTS, institution_code=INSTITUTION, institution_name=NAME, category=CATEGORY)
    broken, numeric = with_mistakes(rows)
    first_file = write_roster_workbook(workdir / "roster.xlsx", broken, numeric_id_rows=numeric)
    fixed_file = write_roster_workbook(workdir / "roster-fixed.xlsx", rows)
    roster = cast(  # a refused roster's Failed state is raised at the call, never returned
        UploadReport,
        roster_upload_flow(
            str(first_file), INSTITUTION, CATEGORY.value, file_name=first_file.name, actor="demo-admin"
        ),
    )
    folders = datasets.write_inputs(workdir, rows)
    first = cast(  # as the roster's: a refusal is raised at the call
        BatchRun,
        batch_flow(
            INSTITUTION,
            CATEGORY.value,
            rosters=[str(fixed_file)],
            photos=[str(folders.photos)],
            actor="demo-ops",
            **prints,
        ),
    )
    enrollment = upload_enrollment_photos(
        engine, settings, batch_id=first.batch_id, source=folders.enrollment, actor="demo-admin"
    )
    reviewer = _work_the_queue(engine, settings)
    with _simulators(settings, folders.registry, rows[REGISTRY_REJECTS]["id_number"]) as registry:
        advance = advance_flow(actor="demo-ops")
        held, decisions = _decide_held(engine, first.batch_id)
        late = upload_enrollment_photos(
            engine, settings, batch_id=first.batch_id, source=folders.late, actor="demo-admin"
        )
        second = cast(BatchRun, batch_flow(INSTITUTION, CATEGORY.value, actor="demo-ops", **prints))
        received = registry.stats()
    deliverables = _deliverables(engine, settings, first.batch_id)
    statuses = stage_summary(engine, first.batch_id, None).statuses
    with session_scope(engine) as session:
        events = session.exec(select(func.count()).select_from(RecordEvent)).one()
    return DemoReport(
        workdir=str(workdir),
        batch_id=first.batch_id,
        counts={item.status: item.count for item in statuses},
        received=received["entries_received"],
        distinct=received["records_received"],
        contract=f"{INSTITUTION} {NAME} · {CATEGORY.label} · {SAMPLE_PRICE}/photo · interception on",
        template=str(template),
        roster=roster,
        first_run=first,
        enrollment=enrollment,
        reviewer=reviewer,
        advance=advance,
        held=held,
        decisions=decisions,
        late_enrollment=late,
        second_run=second,
        registry={
            name: received[name]
            for name in (
                "requests",
                "packages",
                "entries_received",
                "records_received",
                "registered",
                "rejected",
                "faults_injected",
            )
        },
        notices=_notices(engine),
        events_logged=events,
        statuses=statuses,
        prints_skipped=prints_skipped,
        **deliverables,
    )


def _print_request() -> tuple[PrintRequest, str | None]:
    """The demo's print order, or none and why on a machine with no font for the names: the rest of the
    batch's story still runs, and the summary says what to install."""
    from photoflow.printing.fonts import find_label_font

    try:
        find_label_font()
    except PhotoflowError as error:
        return {}, str(error)
    return PRINT, None


class Inputs(BaseModel):
    photos: Path
    enrollment: Path
    late: Path
    registry: Path


class Dataset:
    """The shared datasets' ID-style portraits: a neutral photo (the graduation photo) and a smiling
    photo of the same person (the registry's and the enrollment photo) for each student."""

    def __init__(self, root: Path) -> None:
        self.neutral = sorted((root / "id_portraits" / "london_neutral_front").glob("*.jpg"))
        self.smiling = root / "id_defects" / "london_smiling_front"
        self.faulty = [
            self.smiling / "005_08.jpg",
            self.smiling / "012_08.jpg",
            root / "id_defects" / "yalefaces" / "subject02.leftlight.gif",
        ]
        if len(self.neutral) < STUDENTS or not all(path.exists() for path in self.faulty):
            raise PhotoflowError(
                f"the demo needs the shared datasets at {root} (set PHOTOFLOW_DATASETS_DIR to their folder)"
            )

    def write_inputs(self, workdir: Path, rows: list[dict[str, str]]) -> Inputs:
        """The photo folder (named by ID number), the registry's photos, the enrollment zip and the
        late re-send of the one enrollment photo that was too big."""
        portraits = [*self.neutral[: STUDENTS - FAULTY], *self.faulty]
        references = [
            (row["id_number"], self.smiling / f"{photo.stem[:3]}_08.jpg")
            for row, photo in zip(rows, portraits[: STUDENTS - FAULTY], strict=False)
        ]
        photos, registry, enrollment, late = (
            _folder(workdir / name) for name in ("photos", "id-registry", "enrollment", "enrollment-late")
        )
        for row, photo in zip(rows, portraits, strict=True):
            shutil.copyfile(photo, photos / f"{row['id_number']}{photo.suffix}")
        shutil.copyfile(portraits[0], photos / "unknown-student.jpg")
        for index, (id_number, photo) in enumerate(references):
            if index:  # the registry does not know the first student
                _small_jpeg(photo, registry / f"{id_number}.jpg", side=480)
            other = references[(index + 7) % len(references)][1] if index == WRONG_PERSON else photo
            _small_jpeg(other, enrollment / f"{id_number}.jpg", side=1400 if index == TOO_BIG else 300)
        id_number, photo = references[TOO_BIG]
        _small_jpeg(photo, late / f"{id_number}.jpg", side=300)
        return Inputs(
            photos=photos,
            registry=registry,
            enrollment=Path(shutil.make_archive(str(enrollment), "zip", enrollment)),
            late=Path(shutil.make_archive(str(late), "zip", late)),
        )


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


@contextmanager
def _simulators(settings: Settings, registry_photos: Path, rejected: str) -> Iterator:
    """The ID registry's photo service and the registry's submission API, served here while the demo
    needs them; the submission API fails its first three calls and rejects one student's photo."""
    from photoflow.sandbox.background_server import serving
    from photoflow.sandbox.id_registry_simulator import start_simulator
    from photoflow.sandbox.registry_simulator import Faults, RegistrySimulator

    token = secrets.token_urlsafe(16)
    registry = RegistrySimulator(token, Faults(fail_first=3, reject_keys={rejected}))
    with start_simulator(registry_photos) as photos, serving(registry.app, name="registry-sim") as url:
        settings.id_registry = photos.url
        settings.registry_url, settings.registry_token = url, SecretStr(token)
        settings.registry_backoff_s, settings.registry_poll_s = 0.2, 0.2
        yield registry


def _work_the_queue(engine: Engine, settings: Settings) -> dict[str, int]:
    """A reviewer claims photos under a lease, as the web app's queue does, approves most and rejects
    two (lighting, expression): those students are asked for a new photo."""
    from photoflow.manual_review.decisions import decide
    from photoflow.manual_review.queue import claim
    from schemas.manual_review import ManualDecision
    from schemas.reasons import ManualRejectReason

    lease = timedelta(minutes=settings.review_lease_minutes)
    decided = {"approved": 0, "rejected": 0}
    rejections = iter((ManualRejectReason.LIGHTING, ManualRejectReason.EXPRESSION))
    while held := claim(engine, reviewer="demo-reviewer", limit=settings.review_claim_size, lease=lease):
        for review_id in held:
            reject = sum(decided.values()) in REVIEWER_REJECTS
            decide(
                engine,
                review_id,
                reviewer="demo-reviewer",
                decision=ManualDecision.REJECTED if reject else ManualDecision.APPROVED,
                reasons=[next(rejections)] if reject else [],
            )
            decided["rejected" if reject else "approved"] += 1
    return decided


def _decide_held(engine: Engine, batch_id: int) -> tuple[list[HeldOut], list[HoldDecisionReport]]:
    """The admin looks at the held records: the ones that are probably someone else go back for a
    reshoot; the one the registry has no photo of is checked by phone and submitted anyway."""
    from photoflow.similarity.held import HeldFilter, HoldDecision, decide_held, held_records

    held = held_records(engine, HeldFilter(batch_id=batch_id))
    decisions = [
        decide_held(
            engine,
            HoldDecision.REJECT_RESHOOT,
            actor="demo-admin",
            wanted=HeldFilter(batch_id=batch_id, max_score=85),
            note="not the student",
        ),
        decide_held(
            engine,
            HoldDecision.SUBMIT_ANYWAY,
            actor="demo-admin",
            wanted=HeldFilter(batch_id=batch_id),
            note="checked by phone",
        ),
    ]
    return held, decisions


def _deliverables(engine: Engine, settings: Settings, batch_id: int) -> dict:
    """What the institution takes away: every record exported, the collected and registered photos as a
    download package, and the bill (the print order came from the batch run)."""
    from flows.export import export_flow
    from photoflow.billing import billing
    from photoflow.downloads.packages import create_package
    from photoflow.exports.jobs import request_export
    from photoflow.records_filter import RecordFilter

    queued = request_export(engine, batch_id, RecordFilter(batch_id=batch_id), actor="demo-admin")
    return {
        "export": export_flow(queued.id),
        "download": create_package(engine, settings, batch_id, actor="demo-admin"),
        "billing": billing(engine, institution_code=INSTITUTION),
    }


def _notices(engine: Engine) -> dict[str, int]:
    from photoflow.notify.delivery import outbox_counts

    return {status.value: count for status, count in outbox_counts(engine).items() if count}


def _small_jpeg(source: Path, target: Path, *, side: int) -> None:
    """A copy at most `side` pixels on its long side, as institutions' systems export them."""
    from PIL import Image

    with Image.open(source) as image:
        rgb = image.convert("RGB")
        rgb.thumbnail((side, side))
        rgb.save(target, quality=90 if side > 1000 else 85)
