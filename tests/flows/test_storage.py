"""The data folder's layout lives in photoflow/storage.py: the places keep their names on disk, stored
paths read back as the files they name, paths that leave the folder are refused, folders are 700."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from photoflow import storage
from photoflow.storage import OutsideDataFolderError
from tests.paths import PROJECT

DIGEST = "ab" + "0" * 62


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most accounts have (022: folders 755), so only storage itself can make them 700."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_place_keeps_the_name_existing_data_folders_have(tmp_path):
    data = tmp_path / "data"
    places = {
        storage.sqlite_file(data): "photoflow.db",
        storage.session_secret_file(data): "session_secret",
        storage.prefect_dir(data): "prefect",
        storage.deepface_dir(data): "deepface",
        storage.original(data, DIGEST, ".jpg"): f"photos/originals/ab/{DIGEST}.jpg",
        storage.original(
            data, DIGEST, ".png", folder=storage.REFERENCES
        ): f"photos/references/ab/{DIGEST}.png",
        storage.derived(data, 3, 41, 2): "photos/derived/3/41/2",
        storage.served_dir(data, DIGEST): "photos/derived/served/ab",
        storage.exports_dir(data, 3): "exports/3",
        storage.prints_dir(data, 7): "prints/7",
        storage.reports_dir(data, date(2026, 12, 7)): "reports/2026-12-07",
        storage.logs_dir(data): "logs",
        storage.demo_dir(data): "demo",
    }
    assert {path: path.relative_to(data).as_posix() for path in places} == places
    upload = storage.new_upload_dir(data)
    assert re.fullmatch(r"uploads/\d{8}-\d{6}-[0-9a-f]{8}", storage.stored(data, upload))
    download = storage.new_downloads_dir(data, 3)
    assert re.fullmatch(r"downloads/3/\d{8}-\d{6}-[0-9a-f]{8}", storage.stored(data, download))
    assert upload.is_dir() and download.is_dir() and upload != storage.new_upload_dir(data)


@pytest.mark.parametrize("data_dir", [Path("data"), Path("../elsewhere/data")], ids=["relative", "up"])
def test_a_stored_path_reads_back_as_the_file_it_names(tmp_path, data_dir):
    for data in (data_dir, tmp_path / data_dir.name):
        photo = storage.original(data, DIGEST, ".jpg")
        kept = storage.stored(data, photo)
        assert kept == f"photos/originals/ab/{DIGEST}.jpg"  # what the database has always held
        assert storage.absolute(data, kept) == photo
        assert (
            storage.stored(data, storage.absolute(data, "exports/3/export-1.xlsx"))
            == "exports/3/export-1.xlsx"
        )


@pytest.mark.parametrize(
    "stored_path",
    ["../outside.jpg", "photos/../../outside.jpg", "/etc/passwd", "photos/originals/../../../etc/passwd", ""],
)
def test_a_stored_path_that_leaves_the_data_folder_is_refused(tmp_path, stored_path):
    (tmp_path / "outside.jpg").write_bytes(b"not yours")
    data = storage.make_dir(tmp_path / "data")
    with pytest.raises(OutsideDataFolderError):
        storage.absolute(data, stored_path)
    assert storage.existing_file(data, stored_path) is None


def test_a_path_outside_the_data_folder_is_never_stored(tmp_path):
    data = tmp_path / "data"
    for path in (tmp_path / "outside.jpg", data / ".." / "outside.jpg", Path("/etc/passwd")):
        with pytest.raises(OutsideDataFolderError):
            storage.stored(data, path)


def test_only_a_file_inside_the_data_folder_is_handed_out(tmp_path):
    data = storage.make_dir(tmp_path / "data")
    (tmp_path / "secret.txt").write_text("not in the data folder")
    (data / "exports").symlink_to(tmp_path)  # a link out of the folder, made by someone with a shell
    photo = storage.original(data, DIGEST, ".jpg")
    storage.make_dir(photo.parent)
    photo.write_bytes(b"jpeg")
    assert storage.existing_file(data, storage.stored(data, photo)) == photo.resolve()
    assert storage.existing_file(data, "exports/secret.txt") is None  # followed, it leaves the folder
    assert storage.existing_file(data, "photos/originals/ab/gone.jpg") is None
    assert storage.existing_file(data, "photos/originals") is None  # a folder is no file
    assert storage.existing_file(data, None) is None


@pytest.mark.usefixtures("usual_umask")
def test_the_folders_it_makes_are_the_owners_alone(tmp_path):
    data = tmp_path / "data"
    upload = storage.new_upload_dir(data)
    derived = storage.make_dir(storage.derived(data, 3, 41, 2))
    made = [data, data / "uploads", upload, data / "photos", data / "photos" / "derived", derived]
    assert {folder.relative_to(tmp_path).as_posix(): oct(mode(folder)) for folder in made} == {
        folder.relative_to(tmp_path).as_posix(): "0o700" for folder in made
    }


@pytest.mark.usefixtures("usual_umask")
def test_a_folder_already_there_is_left_as_it_is(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    storage.make_dir(shared / "data" / "logs")
    assert mode(shared) == 0o755  # not ours to close; settings.keep_private closes the data folder itself
    assert mode(shared / "data") == mode(shared / "data" / "logs") == 0o700


def test_no_module_but_storage_joins_paths_onto_the_data_folder():
    """`data_dir / ...` or `data_dir.joinpath(...)` may appear only in photoflow/storage.py (tests aside)."""
    pattern = re.compile(r"\bdata_dir(\.resolve\(\))?\s+/\s|\bdata_dir\.joinpath\(")
    offenders = []
    for folder in (
        "photoflow",
        "flows",
        "tasks",
        "schemas",
        "data_contracts",
        "migrations",
        "benchmarks",
        "docs",
    ):
        for path in sorted((PROJECT / folder).glob("**/*.py")):
            relative = path.relative_to(PROJECT).as_posix()
            if relative == "photoflow/storage.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if pattern.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
