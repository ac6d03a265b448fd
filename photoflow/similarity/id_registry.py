"""Where ID-registry photos (人证比对) come from: a folder, or the registry's HTTP photo service.

The public-security registry is not reachable from every deployment, so stage 3 talks to it through
`RegistryPhotoSource` and gets one of three answers for an ID number:

- `RegistryPhoto`: the registry's photo, to compare the student's photo with;
- `RegistryNotFound`: no usable photo for this person (none held, or one that cannot be used), with the
  reason for the report; asking again will not change it;
- `RegistryUnavailableError` raised: the registry is down, slow or overloaded; the record waits and the
  next run asks again.

Anything else (a wrong token, a URL that is not the photo service) is a `PhotoflowError`: every lookup
would fail the same way, so the run stops and says what to fix.

ID numbers are untrusted input: they are checked for shape before they reach a path or a URL, and they
are masked wherever they are logged. The token is never logged.
"""

from __future__ import annotations

import errno
import logging
import os
import random
import re
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from data_contracts.photo_spec import load_photo_spec
from photoflow import idnumber
from photoflow.closing import Closing
from photoflow.errors import PhotoflowError
from photoflow.photos.decode import describe_size
from photoflow.settings import Settings

log = logging.getLogger(__name__)

# 18 characters (the last may be the check letter X), or the 15 digits of IDs issued before 1999.
REGISTRY_ID = re.compile(r"^(\d{15}|\d{17}[\dX])$")
PHOTO_SUFFIXES = frozenset({"jpg", "jpeg", "png"})
# A folder changed this close to when it was listed may have changed again within the same mtime tick
# (coarse on some file systems), so its listing is not trusted until it has been still this long.
RACY_WINDOW_NS = 2_000_000_000
CONFIG_HINT = "check PHOTOFLOW_ID_REGISTRY"

MALFORMED = "not an ID number (15 or 18 characters: digits, the last may be X); the registry was not asked"


@dataclass(frozen=True)
class RegistryPhoto:
    data: bytes = field(repr=False)
    source: str  # what ReferencePhoto.source records, e.g. "id-registry http://10.0.0.5:8080"


@dataclass(frozen=True)
class RegistryNotFound:
    """No usable registry photo for this ID number; `detail` says why, for the report."""

    detail: str


class RegistryUnavailableError(PhotoflowError):
    """The registry could not answer now (down, timed out, overloaded); asking later may work."""


class RegistryPhotoSource(Closing, Protocol):
    """One registry, asked for one ID number at a time; safe to share between threads."""

    def fetch(self, id_number: str) -> RegistryPhoto | RegistryNotFound:
        """The registry's photo for `id_number`, or why there is none.

        Raises RegistryUnavailableError when the registry cannot answer now.
        """
        ...

    def describe(self) -> str:
        """Which registry this is, for reports and messages; never holds the token."""
        ...


def registry_id(raw: str) -> str | None:
    """`raw` as the registry files it (ASCII, no spaces, X upper-case), or None when it is not ID-shaped."""
    normalised = idnumber.normalise(raw)
    return normalised if REGISTRY_ID.match(normalised) else None


class _MaskIdNumbers(logging.Filter):
    """httpx logs every request's URL at INFO, and our URLs end in an ID number."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = idnumber.mask_in_text(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_MaskIdNumbers())


class FolderRegistrySource(RegistryPhotoSource):
    """Registry photos exported to a folder, one file per person: `<ID number>.jpg`, `.jpeg` or `.png`.

    The folder is listed, not probed with names built from the ID, so an ID number never becomes a
    path; the listing also lets `.JPG` or a lower-case check letter in a file name match. The listing
    is kept and redone when the folder changes.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder, self.max_bytes = folder, max_bytes
        self._lock = threading.Lock()
        self._names: dict[str, list[str]] = {}
        self._listed_mtime_ns: int | None = None
        self._listed_at_ns = 0

    def describe(self) -> str:
        return f"id-registry folder {self.folder}"

    def close(self) -> None:
        with self._lock:
            self._names, self._listed_mtime_ns = {}, None

    def fetch(self, id_number: str) -> RegistryPhoto | RegistryNotFound:
        key = registry_id(id_number)
        if key is None:
            return RegistryNotFound(MALFORMED)
        try:
            names = self._names_for(key)
            if not names:
                return RegistryNotFound("no photo for this ID number in the registry folder")
            if len(names) > 1:
                kinds = ", ".join(sorted(name.rpartition(".")[2] for name in names))
                return RegistryNotFound(f"{len(names)} photos for this ID number in the folder ({kinds})")
            return self._read(names[0])
        except OSError as error:
            raise RegistryUnavailableError(
                f"the ID registry folder {self.folder} could not be read for {idnumber.mask(key)} "
                f"({error.strerror or type(error).__name__}): retry later, or {CONFIG_HINT}"
            ) from None

    def _names_for(self, key: str) -> list[str]:
        with self._lock:
            changed_ns = os.stat(self.folder).st_mtime_ns
            stale = changed_ns != self._listed_mtime_ns or changed_ns > self._listed_at_ns - RACY_WINDOW_NS
            if stale:
                self._listed_at_ns = time.time_ns()
                self._names, self._listed_mtime_ns = self._list(), changed_ns
            return self._names.get(key, [])

    def _list(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        with os.scandir(self.folder) as entries:
            for entry in entries:
                stem, dot, suffix = entry.name.rpartition(".")
                key = registry_id(stem) if dot and suffix.lower() in PHOTO_SUFFIXES else None
                if key is not None:
                    names.setdefault(key, []).append(entry.name)
        return names

    def _read(self, name: str) -> RegistryPhoto | RegistryNotFound:
        try:
            # O_NOFOLLOW: a link (even one swapped in after the listing) is refused, not followed.
            handle = os.fdopen(os.open(self.folder / name, os.O_RDONLY | os.O_NOFOLLOW), "rb")
        except FileNotFoundError:
            return RegistryNotFound("no photo for this ID number in the registry folder")
        except OSError as error:
            if error.errno == errno.ELOOP:
                return RegistryNotFound("the registry folder holds a link for this ID number, not a photo")
            raise
        with handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return RegistryNotFound("the registry folder's entry for this ID number is not a file")
            if info.st_size > self.max_bytes:
                return RegistryNotFound(_too_big(info.st_size, self.max_bytes))
            data = handle.read(self.max_bytes + 1)  # it may have grown since fstat
        if len(data) > self.max_bytes:
            return RegistryNotFound(_too_big(len(data), self.max_bytes, at_least=True))
        return RegistryPhoto(data, self.describe())


class HttpRegistrySource(RegistryPhotoSource):
    """The registry's photo service: `GET {base_url}/photos/{id_number}` answers the image, or 404.

    Overload and outages (5xx, 429, timeouts, refused connections) are retried `retries` times with
    exponential backoff and jitter, so threads that failed together do not retry together; `sleep` is
    there for tests.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        timeout_s: float,
        max_bytes: int,
        retries: int = 2,
        *,
        backoff_s: float = 0.2,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}")
        self.base_url, self.max_bytes, self.retries = base_url.rstrip("/"), max_bytes, retries
        url = httpx.URL(self.base_url)  # shown in messages: without user:password@ or a query
        self.display_url = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path.rstrip('/')}"
        self.timeout_s, self.backoff_s, self._has_token = timeout_s, backoff_s, token is not None
        self._sleep = sleep or time.sleep
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    def describe(self) -> str:
        return f"id-registry {self.display_url}"

    def close(self) -> None:
        self._client.close()

    def fetch(self, id_number: str) -> RegistryPhoto | RegistryNotFound:
        key = registry_id(id_number)
        if key is None:
            return RegistryNotFound(MALFORMED)
        for attempt in range(self.retries + 1):
            try:
                return self._get(key)
            except _TransientError as problem:
                cause = str(problem)
            if attempt < self.retries:
                pause = self.backoff_s * 2**attempt + random.uniform(0, self.backoff_s)
                log.warning(
                    "ID registry %s: %s for %s; try %d of %d in %.1f s",
                    self.display_url,
                    cause,
                    idnumber.mask(key),
                    attempt + 2,
                    self.retries + 1,
                    pause,
                )
                self._sleep(pause)
        raise RegistryUnavailableError(
            f"the ID registry at {self.display_url} could not answer for {idnumber.mask(key)} after "
            f"{self.retries + 1} tries ({cause}): retry later, or {CONFIG_HINT}"
        )

    def _get(self, key: str) -> RegistryPhoto | RegistryNotFound:
        try:
            with self._client.stream("GET", f"/photos/{key}") as response:
                return self._answer(response)
        except httpx.TimeoutException:
            raise _TransientError(f"no answer within {self.timeout_s:g} s") from None
        except httpx.TransportError as error:
            raise _TransientError(f"connection failed: {type(error).__name__}") from None

    def _answer(self, response: httpx.Response) -> RegistryPhoto | RegistryNotFound:
        status = response.status_code
        if status == 200:
            return self._photo(response)
        if status == 404:
            return RegistryNotFound("the registry has no photo for this ID number")
        if status == 400:
            return RegistryNotFound("the registry refused this ID number as malformed (HTTP 400)")
        if status in (401, 403):
            fix = "it is wrong or expired" if self._has_token else "none is set"
            raise PhotoflowError(
                f"the ID registry at {self.display_url} refused the request (HTTP {status}): it needs a "
                f"valid token and {fix}; set PHOTOFLOW_ID_REGISTRY_TOKEN"
            )
        if status == 429 or status >= 500:
            raise _TransientError(f"HTTP {status}")
        raise PhotoflowError(
            f"the ID registry at {self.display_url} answered HTTP {status}, which its photo service never "
            f"does: {CONFIG_HINT} is the service's base URL"
        )

    def _photo(self, response: httpx.Response) -> RegistryPhoto | RegistryNotFound:
        kind = response.headers.get("content-type", "")
        if not kind.lower().startswith("image/"):
            raise PhotoflowError(
                f"the ID registry at {self.display_url} answered '{kind or 'no content type'}', not an "
                f"image: {CONFIG_HINT} is the photo service's base URL"
            )
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:  # stop reading: the rest is never wanted
                return RegistryNotFound(_too_big(len(body), self.max_bytes, at_least=True))
        return RegistryPhoto(bytes(body), self.describe())


class _TransientError(Exception):
    """One attempt failed in a way that asking again may fix."""


def _too_big(size: int, limit: int, *, at_least: bool = False) -> str:
    more = "over " if at_least else ""
    return f"the registry's photo is {more}{describe_size(size)}; the limit is {describe_size(limit)}"


def open_registry_source(settings: Settings) -> RegistryPhotoSource | None:
    """The source `PHOTOFLOW_ID_REGISTRY` names (a folder, or an http(s):// URL); None when unset."""
    where = (settings.id_registry or "").strip()
    if not where:
        return None
    max_bytes = load_photo_spec().intake.max_file_bytes
    if where.lower().startswith(("http://", "https://")):
        token = settings.id_registry_token.get_secret_value() if settings.id_registry_token else None
        return HttpRegistrySource(where, token, settings.id_registry_timeout_s, max_bytes)
    if "://" in where:
        raise PhotoflowError(
            f"PHOTOFLOW_ID_REGISTRY is '{where}': use a folder path or an http:// or https:// URL"
        )
    folder = Path(where).expanduser()
    if not folder.is_dir():
        raise PhotoflowError(
            f"PHOTOFLOW_ID_REGISTRY names the folder {folder}, which does not exist or is not a folder: "
            f"point it at the folder of registry photos (<ID number>.jpg) or at the registry's URL"
        )
    return FolderRegistrySource(folder, max_bytes)
