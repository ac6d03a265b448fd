"""ID-registry photos (人证比对): the folder and HTTP sources, the simulator, settings and `lookup`.

The HTTP source is tested against the real simulator on a free port: found, not found, tokens, and the
failures that must leave a record waiting (5xx, 429, timeouts, refused connections) as opposed to the
answers that settle it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from pydantic import SecretStr

from data_contracts.photo_spec import load_photo_spec
from photoflow.cli import main
from photoflow.errors import PhotoflowError
from photoflow.sandbox.id_registry_simulator import RunningSimulator, start_simulator
from photoflow.settings import Settings, get_settings
from photoflow.similarity.id_registry import (
    MALFORMED,
    FolderRegistrySource,
    HttpRegistrySource,
    RegistryNotFound,
    RegistryPhoto,
    RegistryUnavailableError,
    open_registry_source,
)
from tests.paths import DATASETS

FACE = DATASETS / "id_defects" / "london_smiling_front" / "001_08.jpg"
ID = "110101199003074514"
ID_MASKED = "110101********4514"
ID_X = "11010119900307002X"
OTHER_ID = "110101199003071234"
MB = 1024 * 1024
TOKEN = "s3cret-registry-token"
WRONG_TOKEN = "not-the-token-42"
MALFORMED_IDS = ["../etc/passwd", "1101011990", "/etc/passwd", f"{ID}.jpg", f"{ID[:17]}Y", ""]


def small_photo(kind: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 170, 150)).save(buffer, kind)
    return buffer.getvalue()


def free_port() -> int:
    """A port nothing listens on: bound, read, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A registry folder holding a real face photo for ID (copied into the test's temporary folder)."""
    folder = tmp_path / "registry"
    folder.mkdir()
    shutil.copyfile(FACE, folder / f"{ID}.jpg")
    return folder


@pytest.fixture
def sim(photos: Path) -> Iterator[RunningSimulator]:
    with start_simulator(photos) as running:
        yield running


def http_source(url: str, sleeps: list[float] | None = None, **options) -> HttpRegistrySource:
    options = {"token": None, "timeout_s": 2.0, "max_bytes": 15 * MB, **options}
    pause = sleeps.append if sleeps is not None else (lambda seconds: None)
    return HttpRegistrySource(url, sleep=pause, **options)


# The folder source


def test_folder_source_returns_the_photo_named_by_the_id_number(photos: Path) -> None:
    with FolderRegistrySource(photos, max_bytes=15 * MB) as source:
        answer = source.fetch(ID)
    assert answer == RegistryPhoto(FACE.read_bytes(), f"id-registry folder {photos}")


def test_folder_source_matches_any_case_of_extension_and_check_letter(photos: Path) -> None:
    png = small_photo("PNG")
    (photos / f"{ID_X.lower()}.Png").write_bytes(png)
    source = FolderRegistrySource(photos, max_bytes=15 * MB)
    assert source.fetch(ID_X).data == png
    assert source.fetch(f" {ID_X.lower()} ").data == png  # normalised like roster ID numbers
    assert source.fetch("１１０１０１１９９００３０７４５１４").data == FACE.read_bytes()  # full-width digits


def test_folder_source_says_not_found_when_no_photo_is_named_by_the_id(photos: Path) -> None:
    (photos / f"{OTHER_ID}.txt").write_text("not a photo")
    answer = FolderRegistrySource(photos, max_bytes=15 * MB).fetch(OTHER_ID)
    assert answer == RegistryNotFound("no photo for this ID number in the registry folder")


def test_folder_source_finds_a_photo_added_after_the_first_lookup(photos: Path) -> None:
    source = FolderRegistrySource(photos, max_bytes=15 * MB)
    assert isinstance(source.fetch(OTHER_ID), RegistryNotFound)
    (photos / f"{OTHER_ID}.jpeg").write_bytes(small_photo())
    assert source.fetch(OTHER_ID).data == small_photo()


@pytest.mark.parametrize("raw", MALFORMED_IDS)
def test_malformed_id_is_refused_without_touching_the_disk(
    photos: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    source = FolderRegistrySource(photos, max_bytes=15 * MB)

    def no_disk(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file system was touched")

    for name in ("open", "stat", "scandir", "lstat"):
        monkeypatch.setattr(os, name, no_disk)
    assert source.fetch(raw) == RegistryNotFound(MALFORMED)


def test_symlink_named_by_the_id_is_refused_not_followed(photos: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(small_photo())
    (photos / f"{OTHER_ID}.jpg").symlink_to(outside)
    answer = FolderRegistrySource(photos, max_bytes=15 * MB).fetch(OTHER_ID)
    assert isinstance(answer, RegistryNotFound)
    assert "link" in answer.detail


def test_photo_over_the_size_limit_is_refused(photos: Path) -> None:
    answer = FolderRegistrySource(photos, max_bytes=10_000).fetch(ID)
    assert isinstance(answer, RegistryNotFound)
    assert "the limit is 9.8 KB" in answer.detail


def test_two_photos_for_one_id_are_not_guessed_between(photos: Path) -> None:
    (photos / f"{ID}.png").write_bytes(small_photo("PNG"))
    answer = FolderRegistrySource(photos, max_bytes=15 * MB).fetch(ID)
    assert answer == RegistryNotFound("2 photos for this ID number in the folder (jpg, png)")


def test_folder_that_cannot_be_read_is_unavailable_not_not_found(photos: Path) -> None:
    source = FolderRegistrySource(photos, max_bytes=15 * MB)
    shutil.rmtree(photos)  # e.g. a network share that dropped
    with pytest.raises(RegistryUnavailableError, match="retry later") as raised:
        source.fetch(ID)
    assert ID_MASKED in str(raised.value) and ID not in str(raised.value)


# The HTTP source against the simulator


def test_http_source_returns_the_registry_photo(sim: RunningSimulator) -> None:
    with http_source(sim.url) as source:
        answer = source.fetch(ID)
    assert answer == RegistryPhoto(FACE.read_bytes(), f"id-registry {sim.url}")
    assert sim.requests == 1


def test_http_source_says_not_found_on_404(sim: RunningSimulator) -> None:
    with http_source(sim.url) as source:
        answer = source.fetch(OTHER_ID)
    assert answer == RegistryNotFound("the registry has no photo for this ID number")


@pytest.mark.parametrize("raw", MALFORMED_IDS)
def test_http_source_never_sends_a_malformed_id(sim: RunningSimulator, raw: str) -> None:
    with http_source(sim.url) as source:
        assert source.fetch(raw) == RegistryNotFound(MALFORMED)
    assert sim.requests == 0


def test_registry_token_is_sent_and_a_missing_or_wrong_one_is_not_retried(photos: Path) -> None:
    with start_simulator(photos, token=TOKEN) as sim:
        with http_source(sim.url, token=TOKEN) as source:
            assert isinstance(source.fetch(ID), RegistryPhoto)
        with http_source(sim.url) as source, pytest.raises(PhotoflowError, match="none is set") as missing:
            source.fetch(ID)
        with http_source(sim.url, token=WRONG_TOKEN) as source, pytest.raises(PhotoflowError) as wrong:
            source.fetch(ID)
        assert sim.requests == 3  # one each: a refused token is not a transient failure
    for raised in (missing, wrong):
        assert not isinstance(raised.value, RegistryUnavailableError)
        assert "PHOTOFLOW_ID_REGISTRY_TOKEN" in str(raised.value)
    assert "wrong or expired" in str(wrong.value) and WRONG_TOKEN not in str(wrong.value)


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_failures_are_retried_with_growing_backoff(sim: RunningSimulator, status: int) -> None:
    sim.fail_next(2, status=status)
    sleeps: list[float] = []
    with http_source(sim.url, sleeps) as source:
        answer = source.fetch(ID)
    assert isinstance(answer, RegistryPhoto)
    assert sim.requests == 3
    assert 0.2 <= sleeps[0] <= 0.4 and 0.4 <= sleeps[1] <= 0.6  # 0.2 s x 2^n plus up to 0.2 s of jitter


def test_registry_failing_every_try_is_unavailable(sim: RunningSimulator) -> None:
    sim.fail_next(10, status=500)
    with http_source(sim.url, retries=2) as source, pytest.raises(RegistryUnavailableError) as raised:
        source.fetch(ID)
    assert sim.requests == 3
    message = str(raised.value)
    assert "after 3 tries (HTTP 500): retry later, or check PHOTOFLOW_ID_REGISTRY" in message
    assert ID_MASKED in message and ID not in message


def test_registry_slower_than_the_timeout_is_unavailable(photos: Path) -> None:
    with (
        start_simulator(photos, delay_s=1.0) as sim,
        http_source(sim.url, timeout_s=0.2, retries=1) as source,
    ):
        started = time.monotonic()
        with pytest.raises(RegistryUnavailableError, match=r"no answer within 0\.2 s"):
            source.fetch(ID)
        assert time.monotonic() - started < 0.9
        assert sim.requests == 2


def test_registry_refusing_connections_is_unavailable() -> None:
    source = http_source(f"http://127.0.0.1:{free_port()}")
    with source, pytest.raises(RegistryUnavailableError, match="connection failed: ConnectError"):
        source.fetch(ID)


def test_photo_body_over_the_size_limit_is_not_read_to_the_end(sim: RunningSimulator) -> None:
    with http_source(sim.url, max_bytes=10_000) as source:
        answer = source.fetch(ID)
    assert isinstance(answer, RegistryNotFound)
    assert "over" in answer.detail and "the limit is 9.8 KB" in answer.detail


def test_logs_mask_id_numbers_and_never_hold_the_token(
    photos: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with start_simulator(photos, token=TOKEN) as sim, http_source(sim.url, token=TOKEN) as source:
        sim.fail_next(1, status=503)
        assert isinstance(source.fetch(ID), RegistryPhoto)
    assert ID_MASKED in caplog.text  # the retry warning, httpx's request lines, the simulator's
    assert ID not in caplog.text and TOKEN not in caplog.text


# The simulator itself


def test_simulator_answers_400_for_a_malformed_id_and_404_for_other_paths(sim: RunningSimulator) -> None:
    assert httpx.get(f"{sim.url}/photos/..%2F..%2Fetc%2Fpasswd").status_code == 400
    assert httpx.get(f"{sim.url}/photos/1101011990").status_code == 400
    assert httpx.get(f"{sim.url}/{ID}.jpg").status_code == 404
    answer = httpx.get(f"{sim.url}/photos/{ID}")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "image/jpeg")


# Choosing the source from settings


def test_no_registry_configured_gives_no_source(tmp_path: Path) -> None:
    assert open_registry_source(Settings(data_dir=tmp_path, id_registry=None)) is None


def test_registry_folder_from_settings_uses_the_photo_spec_size_limit(photos: Path) -> None:
    source = open_registry_source(Settings(data_dir=photos.parent, id_registry=str(photos)))
    assert isinstance(source, FolderRegistrySource)
    assert source.max_bytes == load_photo_spec().intake.max_file_bytes
    assert isinstance(source.fetch(ID), RegistryPhoto)


def test_registry_folder_that_does_not_exist_is_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(PhotoflowError, match="no-such-folder, which does not exist"):
        open_registry_source(Settings(data_dir=tmp_path, id_registry=str(missing)))


def test_registry_url_from_settings_sends_the_token(photos: Path, tmp_path: Path) -> None:
    with start_simulator(photos, token=TOKEN) as sim:
        settings = Settings(
            data_dir=tmp_path,
            id_registry=sim.url + "/",
            id_registry_token=SecretStr(TOKEN),
            id_registry_timeout_s=3.5,
        )
        source = open_registry_source(settings)
        assert isinstance(source, HttpRegistrySource)
        with source:
            assert source.timeout_s == 3.5
            assert isinstance(source.fetch(ID), RegistryPhoto)


def test_registry_with_another_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PhotoflowError, match="use a folder path or an http:// or https:// URL"):
        open_registry_source(Settings(data_dir=tmp_path, id_registry="ftp://registry/photos"))


# `photoflow id-registry lookup`


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The environment a CLI process would read; the setting under test is added by each test."""
    monkeypatch.setenv("PHOTOFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))  # main() sets it if unset; keep it ours
    monkeypatch.delenv("PHOTOFLOW_ID_REGISTRY", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def lookup(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    monkeypatch.setattr(sys, "argv", ["photoflow", "id-registry", "lookup", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_lookup_json_reports_the_photo_found(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sim: RunningSimulator
) -> None:
    cli_env.setenv("PHOTOFLOW_ID_REGISTRY", sim.url)
    code, out, _ = lookup(cli_env, capsys, ID, "--json")
    assert code == 0
    assert json.loads(out) == {
        "id_number": ID_MASKED,
        "registry": f"id-registry {sim.url}",
        "outcome": "found",
        "size_bytes": FACE.stat().st_size,
        "sha256": hashlib.sha256(FACE.read_bytes()).hexdigest(),
        "detail": None,
    }
    assert ID not in out


def test_lookup_exits_1_when_the_registry_has_no_photo(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], photos: Path
) -> None:
    cli_env.setenv("PHOTOFLOW_ID_REGISTRY", str(photos))
    code, out, _ = lookup(cli_env, capsys, OTHER_ID, "--json")
    assert code == 1
    assert json.loads(out)["outcome"] == "not_found"
    code, out, _ = lookup(cli_env, capsys, OTHER_ID)
    assert (code, out.strip()) == (
        1,
        "not found 110101********1234 in id-registry folder "
        f"{photos}: no photo for this ID number in the registry folder",
    )


def test_lookup_exits_1_when_the_registry_is_unavailable(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("PHOTOFLOW_ID_REGISTRY", f"http://127.0.0.1:{free_port()}")
    code, out, _ = lookup(cli_env, capsys, ID, "--json")
    answer = json.loads(out)
    assert (code, answer["outcome"]) == (1, "unavailable")
    assert "retry later" in answer["detail"]


def test_lookup_without_a_registry_says_what_to_set(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = lookup(cli_env, capsys, ID)
    assert (code, out) == (1, "")
    assert "set PHOTOFLOW_ID_REGISTRY" in err and "Traceback" not in err
