"""`photoflow demo`: the pipeline so far, on a generated roster, in a folder of its own.

It grows with each stage. Today: a contract, the template, a roster with typical mistakes uploaded,
then the fixed roster uploaded again (only the previously failed rows are added), then a folder of
real portraits from the shared datasets (a few smiling or greyscale, one for nobody) received and
reviewed by stage 1; then stage 3: an enrollment-photo zip (one photo of the wrong person, one over
100 KB), the ID-registry simulator (one student it does not know), a reviewer approving the manual
queue, the comparison run, and an admin deciding on the held records; then registry submission to
the local registry simulator (failing its first calls, rejecting one photo), whose rejection goes back
to the student as a reshoot with a notice in the outbox; then the deliverables: an Excel export, a
one-time download package, a print order split by department, and the billing summary.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import select

from photoflow.contracts import add_contract
from photoflow.errors import PhotoflowError
from photoflow.roster.samples import generate_rows
from photoflow.roster.workbook import write_roster_workbook
from photoflow.settings import get_settings
from schemas.download_reports import DownloadPackageOut
from schemas.enrollment import EnrollmentReport
from schemas.enums import EducationCategory, RecordStatus
from schemas.export_reports import ExportOut
from schemas.print_reports import BillingOut, PrintOrderOut
from schemas.records import RecordEvent, StudentRecord
from schemas.registry_reports import SubmissionReport
from schemas.reports import HeldOut, HoldDecisionReport, PhotoIntakeOutcome, SimilarityReport, UploadReport

MARKER = ".photoflow-demo"
INSTITUTION, NAME = "10001", "示范大学 Demo University"
CATEGORY = EducationCategory.REGULAR
ROWS = 200
PHOTOS = 24  # compliant portraits; three faulty photos follow them


class DemoReport(BaseModel):
    workdir: str
    contract: str
    template: str
    first: UploadReport
    second: UploadReport
    records_in_batch: int
    events_logged: int
    photos: PhotoIntakeOutcome | None
    photos_note: str | None = None
    enrollment: EnrollmentReport | None = None
    approved: int = 0
    similarity: SimilarityReport | None = None
    held: list[HeldOut] = []
    decisions: list[HoldDecisionReport] = []
    submission: SubmissionReport | None = None
    registry_received: dict[str, int] = {}
    notices: dict[str, int] = {}
    export: ExportOut | None = None
    download: DownloadPackageOut | None = None
    print_order: PrintOrderOut | None = None
    print_note: str | None = None
    billing: BillingOut | None = None


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


def with_mistakes(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], frozenset[int]]:
    """A copy of `rows` with the mistakes rosters really arrive with; returns the numeric-cell positions."""
    broken = [dict(row) for row in rows]
    broken[3]["id_number"] = broken[3]["id_number"][:17] + ("0" if broken[3]["id_number"][17] != "0" else "1")
    broken[8]["id_number"] = broken[2]["id_number"]  # pasted twice
    broken[11]["name"] = None
    broken[15]["level"] = "本科生"
    broken[21]["entry_year"] = str(date.today().year + 1)
    broken[30]["id_number"] = broken[30]["id_number"].lower()  # accepted: x is normalised to X
    return broken, frozenset({5})  # row 5's ID typed into a General cell: digits lost


def run_demo(workdir: Path) -> DemoReport:
    workdir = _fresh_workdir(workdir)
    os.environ["PHOTOFLOW_DATA_DIR"] = str(workdir / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("PHOTOFLOW_DATABASE_URL", None)
    get_settings.cache_clear()

    from flows.roster_upload import roster_upload_flow
    from schemas.db import default_engine, session_scope

    with session_scope(default_engine()) as session:
        add_contract(
            session,
            institution_code=INSTITUTION,
            institution_name=NAME,
            category=CATEGORY,
            price_per_photo=Decimal("30.00"),
            valid_until=date.today() + timedelta(days=365),
            services=frozenset({"id", "enrollment"}),
            interception=True,
        )
    template = write_roster_workbook(workdir / "roster-template.xlsx")
    rows = generate_rows(ROWS, institution_code=INSTITUTION, institution_name=NAME, category=CATEGORY)
    broken, numeric = with_mistakes(rows)
    first_file = write_roster_workbook(workdir / "roster.xlsx", broken, numeric_id_rows=numeric)
    fixed_file = write_roster_workbook(workdir / "roster-fixed.xlsx", rows)
    first = roster_upload_flow(str(first_file), INSTITUTION, CATEGORY.value, file_name=first_file.name)
    second = roster_upload_flow(str(fixed_file), INSTITUTION, CATEGORY.value, file_name=fixed_file.name)
    photos, note = _photos(workdir, rows)
    comparison = _comparison(workdir, rows, photos.intake.batch_id) if photos is not None else {}
    submission = _submission(photos.intake.batch_id) if photos is not None else {}
    deliverables = _deliverables(photos.intake.batch_id) if photos is not None else {}
    with session_scope(default_engine()) as session:
        records = session.exec(select(func.count()).select_from(StudentRecord)).one()
        events = session.exec(select(func.count()).select_from(RecordEvent)).one()
    return DemoReport(
        workdir=str(workdir),
        contract=f"{INSTITUTION} {NAME} · {CATEGORY.label} · 30.00/photo",
        template=str(template),
        first=first,
        second=second,
        records_in_batch=records,
        events_logged=events,
        photos=photos,
        photos_note=note,
        **comparison,
        **submission,
        **deliverables,
    )


def _photos(workdir: Path, rows: list[dict[str, str]]) -> tuple[PhotoIntakeOutcome | None, str | None]:
    """Name real portraits after the first students' ID numbers and send the folder through intake."""
    datasets = get_settings().datasets_dir
    portraits = sorted((datasets / "id_portraits" / "london_neutral_front").glob("*.jpg"))[:PHOTOS]
    if not portraits:
        return None, f"no photos: the shared datasets were not found at {datasets} (PHOTOFLOW_DATASETS_DIR)"
    faulty = [
        datasets / "id_defects" / "london_smiling_front" / "005_08.jpg",
        datasets / "id_defects" / "london_smiling_front" / "012_08.jpg",
        datasets / "id_defects" / "yalefaces" / "subject02.leftlight.gif",
    ]
    folder = workdir / "photos"
    folder.mkdir()
    for row, photo in zip(rows, [*portraits, *faulty], strict=False):
        shutil.copyfile(photo, folder / f"{row['id_number']}{photo.suffix}")
    shutil.copyfile(portraits[0], folder / "unknown-student.jpg")
    from flows.photo_intake import photo_intake_flow

    return photo_intake_flow(str(folder), INSTITUTION, CATEGORY.value), None


def _comparison(workdir: Path, rows: list[dict[str, str]], batch_id: int) -> dict:
    """Stage 3 on the photos stage 1 passed: enrollment zip, registry simulator, approval, comparison,
    then the admin's decisions on what was held."""
    from flows.similarity import similarity_flow
    from photoflow.similarity.enrollment import upload_enrollment_photos
    from photoflow.similarity.held import HeldFilter, HoldDecision, decide_held, held_records
    from photoflow.similarity.id_registry_sim import start_simulator
    from schemas.db import default_engine

    settings, engine = get_settings(), default_engine()
    smiling = settings.datasets_dir / "id_defects" / "london_smiling_front"
    portraits = sorted((settings.datasets_dir / "id_portraits" / "london_neutral_front").glob("*.jpg"))[
        :PHOTOS
    ]
    pairs = [
        (row["id_number"], smiling / f"{p.stem[:3]}_08.jpg") for row, p in zip(rows, portraits, strict=False)
    ]
    pairs = [(id_number, photo) for id_number, photo in pairs if photo.exists()]
    registry = workdir / "id-registry"
    registry.mkdir()
    for id_number, photo in pairs[1:]:  # the registry does not know the first student
        _small_jpeg(photo, registry / f"{id_number}.jpg", side=480)
    enrollment = workdir / "enrollment"
    enrollment.mkdir()
    for index, (id_number, photo) in enumerate(pairs):
        other = pairs[(index + 7) % len(pairs)][1] if index == 2 else photo  # the third: the wrong person
        _small_jpeg(
            other, enrollment / f"{id_number}.jpg", side=1400 if index == 3 else 300
        )  # fourth: too big
    archive = shutil.make_archive(str(workdir / "enrollment-photos"), "zip", enrollment)
    uploaded = upload_enrollment_photos(
        engine, settings, batch_id=batch_id, source=Path(archive), actor="demo-admin"
    )
    approved = _work_the_queue(engine, settings)
    with start_simulator(registry) as simulator:
        settings.id_registry = simulator.url
        report = similarity_flow(batch_id, actor="demo-ops")
    held = held_records(engine, HeldFilter(batch_id=batch_id))
    decisions = [
        decide_held(engine, HoldDecision.REJECT_RESHOOT, actor="demo-admin",
                    wanted=HeldFilter(batch_id=batch_id, max_score=85), note="not the student"),
        decide_held(engine, HoldDecision.SUBMIT_ANYWAY, actor="demo-admin",
                    wanted=HeldFilter(batch_id=batch_id, band="none"), note="checked by phone"),
    ]  # fmt: skip
    return {
        "enrollment": uploaded,
        "approved": approved,
        "similarity": report,
        "held": held,
        "decisions": decisions,
    }


def _submission(batch_id: int) -> dict:
    """Registry submission to the simulator, served beside the flow: its first three calls fail (the
    client retries), and it rejects the first collected student's photo (上网失败, then a reshoot)."""
    import secrets

    from pydantic import SecretStr

    from flows.submission import submission_flow
    from photoflow.background_server import serving
    from photoflow.notify.delivery import outbox_counts
    from photoflow.registry.simulator import Faults, RegistrySimulator
    from schemas.db import default_engine, session_scope

    settings, engine = get_settings(), default_engine()
    with session_scope(engine) as session:
        first = session.exec(
            select(StudentRecord.id_number)
            .where(StudentRecord.batch_id == batch_id, StudentRecord.status == RecordStatus.COLLECTED)
            .order_by(StudentRecord.id)
        ).first()
    token = secrets.token_urlsafe(16)
    simulator = RegistrySimulator(token, Faults(fail_first=3, reject_keys={first} if first else set()))
    with serving(simulator.app, name="registry-sim") as url:
        settings.registry_url, settings.registry_token = url, SecretStr(token)
        settings.registry_backoff_s, settings.registry_poll_s = 0.2, 0.2
        report = submission_flow(batch_id, actor="demo-ops")
    received = simulator.stats()
    return {
        "submission": report,
        "registry_received": {name: received[name] for name in ("requests", "packages", "registered",
                                                                  "rejected", "faults_injected")},
        "notices": {status.value: count for status, count in outbox_counts(engine).items() if count},
    }  # fmt: skip


def _deliverables(batch_id: int) -> dict:
    """What the institution takes away: every record exported, the collected and registered photos as a
    download package, a print order of 1-inch prints split by department, and the bill."""
    from flows.export import export_flow
    from flows.print_order import print_order_flow
    from photoflow.billing import billing
    from photoflow.downloads.packages import create_package
    from photoflow.exports.jobs import request_export
    from photoflow.printing.orders import request_print
    from photoflow.records_filter import RecordFilter
    from schemas.db import default_engine

    settings, engine = get_settings(), default_engine()
    queued = request_export(engine, batch_id, RecordFilter(batch_id=batch_id), actor="demo-admin")
    found: dict = {"export": export_flow(queued.id), "billing": billing(engine, institution_code=INSTITUTION)}
    found["download"] = create_package(engine, settings, batch_id, actor="demo-admin")
    try:
        order_id = request_print(engine, RecordFilter(batch_id=batch_id), split_by=["department"],
                                 layout="one_inch", address="示范大学教务处 / Demo University office",
                                 actor="demo-admin")  # fmt: skip
        found["print_order"] = print_order_flow(order_id)
    except PhotoflowError as error:  # no font with Chinese glyphs on this machine
        found["print_note"] = str(error)
    return found


def _work_the_queue(engine, settings) -> int:
    """A reviewer claims photos under a lease, as the web app's queue does, and approves each one."""
    from datetime import timedelta

    from photoflow.manual_review.decisions import decide
    from photoflow.manual_review.queue import claim
    from schemas.manual_review import ManualDecision

    lease = timedelta(minutes=settings.review_lease_minutes)
    approved = 0
    while held := claim(engine, reviewer="demo-reviewer", limit=settings.review_claim_size, lease=lease):
        for review_id in held:
            decide(engine, review_id, reviewer="demo-reviewer", decision=ManualDecision.APPROVED)
            approved += 1
    return approved


def _small_jpeg(source: Path, target: Path, *, side: int) -> None:
    """A copy at most `side` pixels on its long side, as institutions' systems export them."""
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB")
        image.thumbnail((side, side))
        image.save(target, quality=90 if side > 1000 else 85)
