"""Screenshots of the reviewer's page and the held-records page, taken from a realistic scene.

Run from the repository root:

    .venv/bin/python docs/screenshots.py

It writes `docs/review_page.png` and `docs/held_records.png` (full pages at a 1440x900 viewport) and
needs the shared datasets (`../shared/datasets`, or PHOTOFLOW_DATASETS_DIR), Debian's chromium at
/usr/bin/chromium, and a Chinese font for the pages' labels (`apt-get install fonts-noto-cjk`; without
one the Chinese text comes out as empty boxes, and the script warns). It takes about 20 seconds, most
of it loading the face models.

Everything is built in a temporary folder with its own SQLite database, deleted afterwards; the
user's data folder and DATABASE_URL are never touched. The scene goes through the real stages:

1. institution 10001 with a contract for enrollment-photo comparison, interception on;
2. a generated roster written as the template workbook and ingested like an upload;
3. real ID-style portraits from the datasets, named after students' ID numbers, received by photo
   intake and reviewed by stage 1 (standardised photo, findings), so they wait in the manual queue;
4. a reviewer approves the oldest few in the queue; an enrollment-photo zip gives each of them a
   reference (for half, the same person smiling; for the others, another person, one of them of the
   same sex, age and origin); stage 3 (`compare_records`, the Dlib model) scores them, and with
   interception on, the doubtful ones (here "not the same" twice, "possibly the same" once) are
   held for the admin, while the rest of the queue waits for the reviewer;
5. the app runs under uvicorn; a reviewer and the institution's admin log in through the form in
   headless Chromium, and each page is captured.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import uvicorn
from PIL import Image
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine

from photoflow.accounts.users import add_user
from photoflow.database import get_engine
from photoflow.manual_review.decisions import decide
from photoflow.manual_review.queue import claim, release
from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
from photoflow.quality.stage import pending_attempts, review_attempts
from photoflow.sandbox.seeding import ingest_sample_roster, sample_contract
from photoflow.settings import Settings, get_settings
from photoflow.similarity.enrollment import upload_enrollment_photos
from photoflow.similarity.held import HeldFilter, held_records
from photoflow.similarity.stage import compare_records, comparing_records
from photoflow.web.app import create_app
from schemas.accounts import UserRole
from schemas.db import session_scope
from schemas.manual_review import ManualDecision, ManualReview
from schemas.records import StudentRecord

DOCS = Path(__file__).resolve().parent
INSTITUTION, INSTITUTION_NAME = "10001", "示范大学 Demo University"
STUDENTS = 40
# person numbers in id_portraits/london_neutral_front (NNN_03.jpg); the smiling NNN_08.jpg is the same person
PEOPLE = [12, 5, 21, 33, 8, 41, 17, 26, 3, 30]
APPROVED = 6  # the oldest six in the queue go on to comparison; the rest wait for the reviewer
# the enrollment photo of each approved student: None for their own (smiling), else another person's
ENROLLMENT: list[int | None] = [None, 62, None, 22, None, 29]
REVIEWER, ADMIN = "li.reviewer", "zhang.admin"
PASSWORD = "Screenshot2026ok"
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM = "/usr/bin/chromium"
# settings from the caller's environment that would point the scene at their database or their files
NOT_OURS = ("DATABASE_URL", "PHOTOFLOW_DATABASE_URL", "PHOTOFLOW_DEEPFACE_HOME", "PHOTOFLOW_ID_REGISTRY")

log = logging.getLogger("screenshots")


@dataclass(frozen=True)
class Scene:
    """Where the scene lives (a temporary folder and its database) and the batch it is about."""

    settings: Settings
    engine: Engine
    workdir: Path
    batch_id: int


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    warn_without_chinese_font()
    with tempfile.TemporaryDirectory(prefix="photoflow-screenshots-") as workdir:
        settings = settings_in(Path(workdir))
        batch_id = build_scene(settings, Path(workdir))
        with serving(settings) as base_url:
            capture(base_url, batch_id)


def warn_without_chinese_font() -> None:
    """Chromium draws Chinese with whatever font fontconfig offers; with none, the labels are boxes."""
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        fonts = ""
    if not fonts.strip():
        log.warning(
            "no Chinese font found (fc-list :lang=zh): install fonts-noto-cjk, or the Chinese "
            "labels in the screenshots will be empty boxes"
        )


def settings_in(workdir: Path) -> Settings:
    """Settings pointing at the temporary folder only (a SQLite file there, face models linked there)."""
    os.environ["PHOTOFLOW_DATA_DIR"] = str(workdir / "data")
    for name in NOT_OURS:
        os.environ.pop(name, None)
    os.environ.setdefault("PHOTOFLOW_PHOTO_WORKERS", "1")  # ten photos: not worth starting processes
    get_settings.cache_clear()
    return get_settings()


def build_scene(settings: Settings, workdir: Path) -> int:
    """Contract, roster, photos through stage 1, approvals, enrollment photos, stage 3; returns the batch."""
    engine = get_engine(settings.db_url)
    sample_contract(
        engine, INSTITUTION, INSTITUTION_NAME, services=frozenset({"enrollment"}), interception=True
    )
    rows, upload = ingest_sample_roster(
        engine, settings, workdir, INSTITUTION, INSTITUTION_NAME, STUDENTS, seed=2026, author=ADMIN
    )
    log.info("roster: %d students in batch %d", upload.succeeded, upload.batch_id)

    people = {row["id_number"]: person for row, person in zip(rows, PEOPLE, strict=False)}
    folder = workdir / "photos"
    folder.mkdir()
    for id_number, person in people.items():
        shutil.copyfile(neutral(settings, person), folder / f"{id_number}.jpg")
    intake = receive_photos(
        engine,
        settings,
        batch_id=upload.batch_id,
        listing=list_upload(settings, folder),
        source_name="photos",
        author=IntakeAuthor(ADMIN),
    )
    reviewed = review_attempts(engine, settings, pending_attempts(engine, upload.batch_id), actor="stage-1")
    log.info("stage 1: %d received, %d passed", intake.accepted, sum(r.passed for r in reviewed))

    for name, role, institution_code in (
        (REVIEWER, UserRole.REVIEWER, None),
        (ADMIN, UserRole.INSTITUTION_ADMIN, INSTITUTION),
    ):
        add_user(
            engine,
            name=name,
            role=role,
            institution_code=institution_code,
            password=PASSWORD,
            created_by="screenshots",
        )
    scene = Scene(settings, engine, workdir, upload.batch_id)
    approved = approve_oldest(scene)
    enrollment_photos(scene, {id_number: people[id_number] for id_number in approved})
    compare(scene)
    return upload.batch_id


def neutral(settings: Settings, person: int) -> Path:
    return settings.datasets_dir / "id_portraits" / "london_neutral_front" / f"{person:03d}_03.jpg"


def smiling(settings: Settings, person: int) -> Path:
    return settings.datasets_dir / "id_defects" / "london_smiling_front" / f"{person:03d}_08.jpg"


def approve_oldest(scene: Scene) -> list[str]:
    """The reviewer claims the oldest photos and approves them; returns their students' ID numbers."""
    held = claim(scene.engine, reviewer=REVIEWER, limit=APPROVED, lease=timedelta(minutes=15))
    for review_id in held:
        decide(scene.engine, review_id, reviewer=REVIEWER, decision=ManualDecision.APPROVED)
    release(scene.engine, reviewer=REVIEWER)
    with session_scope(scene.engine) as session:
        records = [session.get(ManualReview, review_id).record_id for review_id in held]
        return [session.get(StudentRecord, record_id).id_number for record_id in records]


def enrollment_photos(scene: Scene, people: dict[str, int]) -> None:
    """A zip of enrollment photos under 100 KB (as student systems export them): the student smiling, or
    for some, another person, which stage 3 must catch."""
    archive = scene.workdir / "enrollment-photos.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for (id_number, person), other in zip(people.items(), ENROLLMENT, strict=True):
            with Image.open(smiling(scene.settings, other or person)) as image:
                small = image.convert("RGB")
            small.thumbnail((300, 300))
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=85)
            bundle.writestr(f"{id_number}.jpg", buffer.getvalue())
    report = upload_enrollment_photos(
        scene.engine, scene.settings, batch_id=scene.batch_id, source=archive, actor=ADMIN
    )
    log.info("enrollment photos: %d accepted, %d not", report.accepted, report.not_accepted)


def compare(scene: Scene) -> None:
    waiting = comparing_records(scene.engine, scene.batch_id)
    compared = compare_records(scene.engine, scene.settings, waiting, actor="stage-3")
    held = held_records(scene.engine, HeldFilter(batch_id=scene.batch_id))
    scores = ", ".join(f"{h.score:.1f}" if h.score is not None else "none" for h in held)
    log.info("stage 3: %d compared, %d held (scores %s)", len(compared), len(held), scores)


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app under uvicorn in a background thread on a free local port (as tests/web/conftest.py)."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web app did not start under uvicorn")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def capture(base_url: str, batch_id: int) -> None:
    """Log in through the form as each person and save their page, full length."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for name, target, path in (
            (REVIEWER, "/review", DOCS / "review_page.png"),
            (ADMIN, f"/held?batch={batch_id}", DOCS / "held_records.png"),
        ):
            context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
            page = context.new_page()
            page.goto("/login")
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("form[action='/login'] button[type=submit]")
            page.goto(target, wait_until="networkidle")
            page.screenshot(path=str(path), full_page=True)
            log.info("wrote %s (%d KB)", path, path.stat().st_size // 1024)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
