"""Photos leave without their metadata (web pages, spec images) and upright; originals stay as received."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlmodel import select

from photoflow.photos.intake import IntakeAuthor, list_upload, receive_photos
from photoflow.photos.served import metadata_free
from photoflow.quality.review import check_photo
from photoflow.roster.workbook import write_roster_workbook
from photoflow.storage import SERVED_FOLDER
from photoflow.web.app import create_app
from schemas.accounts import UserRole
from schemas.db import session_scope
from schemas.photos import AutoReview, PhotoAttempt
from tests.helpers import INSTITUTION, students, upload
from tests.similarity_helpers import neutral
from tests.web_helpers import account, log_in

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ROTATE_90_CW = 6  # the stored pixels are to be turned a quarter clockwise to stand upright
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>'
    b"<photoshop:City>Secretville</photoshop:City></rdf:RDF></x:xmpmeta>"
)


def phone_photo(upright: Image.Image) -> bytes:
    """The picture as a phone saves it: pixels lying on their side, orientation 6, GPS, XMP."""
    exif = Image.Exif()
    exif[ORIENTATION] = ROTATE_90_CW
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)})
    buffer = io.BytesIO()
    upright.rotate(90, expand=True).save(buffer, "JPEG", quality=92, exif=exif, xmp=XMP)
    return buffer.getvalue()


def assert_no_metadata(data: bytes) -> None:
    served = Image.open(io.BytesIO(data))
    assert dict(served.getexif()) == {} and served.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"} & set(served.info)
    assert b"Exif" not in data and b"Secretville" not in data and b"PhoneMaker" not in data


def difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a.convert("RGB"), float) - np.asarray(b.convert("RGB"), float)).mean())


@pytest.fixture
def phone_attempt(engine, settings, contract, tmp_path) -> tuple[int, Image.Image, bytes]:
    """One student's phone photo taken in by photo intake: the attempt, the upright picture, the bytes."""
    [row] = students(1, seed=5)
    batch_id = upload(engine, settings, write_roster_workbook(tmp_path / "roster.xlsx", [row])).batch_id
    square = Image.open(neutral(1)).convert("RGB")
    upright = square.crop((120, 0, square.width - 120, square.height))  # taller than wide, as portraits are
    sent = phone_photo(upright)
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / f"{row['id_number']}.jpg").write_bytes(sent)
    report = receive_photos(
        engine,
        settings,
        batch_id=batch_id,
        listing=list_upload(settings, folder),
        source_name="photos",
        author=IntakeAuthor("test-admin", None),
    )
    assert report.accepted == 1
    with session_scope(engine) as session:
        attempt_id = session.exec(select(PhotoAttempt.id)).one()
    return attempt_id, upright, sent


def test_reviewers_get_the_original_upright_without_exif_and_the_kept_original_keeps_it(
    engine, settings, phone_attempt
):
    attempt_id, upright, sent = phone_attempt
    account(engine, "alice", UserRole.REVIEWER)
    client = TestClient(create_app(settings))
    log_in(client, "alice")

    response = client.get(f"/photos/{attempt_id}/original")

    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert_no_metadata(response.content)
    served = Image.open(io.BytesIO(response.content))
    assert served.size == upright.size != Image.open(io.BytesIO(sent)).size
    assert difference(served, upright) < 3  # upright, not turned the other way (that differs by ~40)
    assert difference(served, upright.rotate(180)) > 20
    with session_scope(engine) as session:
        kept = settings.data_dir / session.get(PhotoAttempt, attempt_id).original_path
    assert kept.read_bytes() == sent  # byte for byte, for audit
    assert Image.open(kept).getexif().get_ifd(GPS_IFD)[1] == "N"
    [copy] = (settings.data_dir / SERVED_FOLDER).rglob("*.jpg")  # made once, kept in the derived folder
    assert copy.read_bytes() == response.content == client.get(f"/photos/{attempt_id}/original").content


def test_a_spec_image_kept_as_it_came_is_served_without_its_metadata_too(engine, settings, phone_attempt):
    attempt_id, upright, _ = phone_attempt
    with session_scope(engine) as session:  # stage 1 keeps a spec-size JPEG's own bytes as the spec image
        original = session.get(PhotoAttempt, attempt_id).original_path
        session.add(
            AutoReview(
                attempt_id=attempt_id,
                passed=True,
                standardised=False,
                spec_image_path=original,
                reviewed_by="test",
            )
        )
    account(engine, "dean", UserRole.INSTITUTION_ADMIN, INSTITUTION)
    client = TestClient(create_app(settings))
    log_in(client, "dean")

    response = client.get(f"/photos/{attempt_id}/spec")

    assert response.status_code == 200
    assert_no_metadata(response.content)
    assert Image.open(io.BytesIO(response.content)).size == upright.size


def test_a_png_loses_its_text_and_exif_chunks_and_stays_lossless(tmp_path: Path):
    picture = Image.open(neutral(2)).convert("RGB").resize((120, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    info = PngInfo()
    info.add_text("Location", "Secretville")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", pnginfo=info, exif=exif)

    clean, suffix = metadata_free(buffer.getvalue(), name="photo.png")

    assert suffix == ".png"
    assert_no_metadata(clean)
    assert difference(Image.open(io.BytesIO(clean)), picture) == 0


def test_a_spec_size_jpeg_with_gps_becomes_a_spec_image_without_it(analyzer, spec):
    made = check_photo(neutral(2).read_bytes(), name="studio.jpg", analyzer=analyzer, spec=spec)
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0)})
    buffer = io.BytesIO()  # a studio's finished spec image, saved by a phone app that adds GPS and XMP
    Image.open(io.BytesIO(made.spec_jpeg)).save(buffer, "JPEG", quality=80, exif=exif, xmp=XMP)
    studio = buffer.getvalue()
    assert spec.image.min_kb * 1024 <= len(studio) <= spec.image.max_kb * 1024  # kept as is, were it clean

    checked = check_photo(studio, name="studio.jpg", analyzer=analyzer, spec=spec)

    assert checked.passed and not checked.standardised
    assert_no_metadata(checked.spec_jpeg)
    assert difference(Image.open(io.BytesIO(checked.spec_jpeg)), Image.open(io.BytesIO(studio))) < 3
    clean = io.BytesIO()
    Image.open(io.BytesIO(made.spec_jpeg)).save(clean, "JPEG", quality=80)
    again = check_photo(clean.getvalue(), name="studio.jpg", analyzer=analyzer, spec=spec)
    assert again.spec_jpeg == clean.getvalue()  # a spec-size JPEG without metadata is still kept as it came
