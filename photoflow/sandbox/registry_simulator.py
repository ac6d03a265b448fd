"""A stand-in for the registry's submission API (`docs/registry_api.md`), in memory, with faults on demand.

The real registry is reached only through the provider's gateway, so development and tests talk to
this one: `photoflow registry-sim` serves it, and the tests run it in a thread. It keeps what the real
one must keep (every idempotency key it has seen, so nothing is registered twice) and counts what it
received (`stats()`), so a test can prove "exactly once" after retries, timeouts and reruns.

`Faults` is read on every request, so a test can switch faults on and off while the server runs.
Delays and withheld answers are `asyncio.sleep`s: a hanging answer does not hold up other requests.
ID numbers (registry keys) are never logged; they appear only in answers to the token's holder.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import random
import threading
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError

from photoflow.registry.api import MAX_BODY_BYTES, MAX_QUERY_KEYS, PACKAGES, QUERY, STATS
from photoflow.registry.packages import FORMAT, MANIFEST

COUNTS = (
    "requests",
    "packages",
    "entries_received",
    "duplicates",
    "registered",
    "rejected",
    "faults_injected",
)
JPEG_MAGIC = b"\xff\xd8\xff"
HOLD_POLL_S = 0.05  # how soon a withheld answer notices that the client gave up
PHOTO_REJECTED = (
    "照片不符合学历图像要求，请重新拍摄 / The photo does not meet the registry's image requirements; "
    "take a new one"
)


@dataclass
class Faults:
    """What goes wrong, and how often; mutable while the server runs."""

    fail_first: int = 0  # the next N requests (not /stats) answer HTTP 500 before doing anything
    error_rate: float = 0.0  # and this share of the others, at random (seeded)
    timeout_first: int = 0  # the next N package posts are processed, then their answer is held back
    hang_s: float = 30.0  # for this long (or until the client gives up)
    delay_s: float = 0.0  # every answer waits this long (a slow registry)
    reject_keys: set[str] = field(default_factory=set)  # registry keys (证件号) whose photos are rejected
    reject_rate: float = 0.0  # share of photos rejected, chosen deterministically from the key's hash
    decide_after_s: float = 0.0  # entries answer "processing" until this long after receipt
    seed: int = 0

    def describe(self) -> str:
        """The faults that are on, in a line; names no ID number."""
        parts = [
            f"fail the next {self.fail_first} requests" if self.fail_first else "",
            f"fail {self.error_rate:.0%} of requests (seed {self.seed})" if self.error_rate else "",
            f"withhold the next {self.timeout_first} package answers {self.hang_s:g} s"
            if self.timeout_first
            else "",
            f"answer after {self.delay_s:g} s" if self.delay_s else "",
            f"reject {len(self.reject_keys)} ID numbers" if self.reject_keys else "",
            f"reject {self.reject_rate:.0%} of photos (seed {self.seed})" if self.reject_rate else "",
            f"decide {self.decide_after_s:g} s after receipt" if self.decide_after_s else "",
        ]
        return "; ".join(part for part in parts if part) or "none"


class _ManifestEntry(BaseModel):
    idempotency_key: str
    registry_key: str
    file: str
    name: str
    sha256: str
    size_bytes: int


class _Manifest(BaseModel):
    format: str
    institution_code: str
    category: str
    entries: list[_ManifestEntry]


class _Query(BaseModel):
    keys: list[str] = Field(max_length=MAX_QUERY_KEYS)


@dataclass(frozen=True)
class _Record:
    """One idempotency key as the registry holds it: its decision, told from `decided_at` on."""

    receipt: str
    decision: Literal["registered", "rejected"]
    decided_at: float  # time.monotonic()
    reason_code: str | None = None
    reason: str | None = None

    def answer(self, key: str, now: float) -> dict[str, Any]:
        if now < self.decided_at:
            return _answer(key, "processing", self.receipt)
        return _answer(key, self.decision, self.receipt, self.reason_code, self.reason)


class RegistrySimulator:
    """The registry's state and its FastAPI `app`; thread-safe (the state is behind one lock)."""

    def __init__(self, token: str, faults: Faults | None = None) -> None:
        if not token:
            raise ValueError("the simulator needs a token: requests must prove they hold it")
        self.token, self.faults = token, faults or Faults()
        self._lock = threading.Lock()
        self._random = random.Random(self.faults.seed)
        self._records: dict[str, _Record] = {}
        self._counts: Counter[str] = Counter()
        self._registrations: Counter[str] = Counter()
        self._keys_received: set[str] = set()
        self.app = FastAPI(title="registry simulator", docs_url=None, redoc_url=None, openapi_url=None)
        self.app.post(PACKAGES)(self._post_package)
        self.app.post(QUERY)(self._post_query)
        self.app.get(STATS)(self._get_stats)

    def stats(self) -> dict[str, Any]:
        """Counts of what was received and decided; `registrations_by_key` proves "exactly once", and
        `records_received` (distinct registry keys) against `entries_received` shows any re-send."""
        with self._lock:
            counts: dict[str, Any] = {name: self._counts[name] for name in COUNTS}
            counts["registrations_by_key"] = dict(self._registrations)
            counts["records_received"] = len(self._keys_received)
        return counts

    async def _post_package(self, request: Request) -> dict[str, Any]:
        await self._admit(request)
        archive, manifest = _open_package(await _read_body(request))
        problems = [_file_problem(archive, entry) for entry in manifest.entries]
        with self._lock:
            self._counts["packages"] += 1
            package = f"P{self._counts['packages']:06d}"
            now = time.monotonic()
            pairs = zip(manifest.entries, problems, strict=True)
            answers = [self._receive(entry, problem, now) for entry, problem in pairs]
            withhold = self.faults.timeout_first > 0
            if withhold:
                self.faults.timeout_first -= 1
                self._counts["faults_injected"] += 1
        if withhold:
            await _hold(request, self.faults.hang_s)
        return {"package": package, "entries": answers}

    async def _post_query(self, request: Request) -> dict[str, Any]:
        await self._admit(request)
        try:
            keys = _Query.model_validate_json(await _read_body(request)).keys
        except ValidationError as error:
            raise HTTPException(400, f"not a query: {_first_problem(error)}") from None
        with self._lock:
            now = time.monotonic()
            submissions = [
                self._records[key].answer(key, now) if key in self._records else _answer(key, "unknown")
                for key in keys
            ]
        return {"submissions": submissions}

    async def _get_stats(self, request: Request) -> dict[str, Any]:
        self._check_token(request)
        return self.stats()

    async def _admit(self, request: Request) -> None:
        """Count the request, wait `delay_s`, inject a failure if one is due, then check the token."""
        with self._lock:
            self._counts["requests"] += 1
            fail = self.faults.fail_first > 0 or self._random.random() < self.faults.error_rate
            if self.faults.fail_first > 0:
                self.faults.fail_first -= 1
            if fail:
                self._counts["faults_injected"] += 1
        if self.faults.delay_s > 0:
            await asyncio.sleep(self.faults.delay_s)
        if fail:
            raise HTTPException(500, "injected fault: the registry failed this request")
        self._check_token(request)

    def _check_token(self, request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    def _receive(self, entry: _ManifestEntry, problem: str | None, now: float) -> dict[str, Any]:
        """Decide on one entry (under the lock); a key already held keeps the state it has."""
        self._counts["entries_received"] += 1
        self._keys_received.add(entry.registry_key)
        key = entry.idempotency_key
        if key in self._records:
            self._counts["duplicates"] += 1
            return self._records[key].answer(key, now)
        receipt, decided_at = f"R{len(self._records) + 1:08d}", now + self.faults.decide_after_s
        if problem is not None:  # a broken file needs no deliberation
            record = _Record(receipt, "rejected", now, "bad_file", problem)
        elif self._rejects(entry.registry_key):
            record = _Record(receipt, "rejected", decided_at, "photo_rejected", PHOTO_REJECTED)
        else:
            record = _Record(receipt, "registered", decided_at)
            self._registrations[entry.registry_key] += 1
        self._counts[record.decision] += 1
        self._records[key] = record
        return record.answer(key, now)

    def _rejects(self, registry_key: str) -> bool:
        """Named in `reject_keys`, or within `reject_rate` by a hash: the same keys every run and seed."""
        digest = hashlib.sha256(f"{self.faults.seed}:{registry_key}".encode()).digest()
        share = int.from_bytes(digest[:8]) / 2**64
        return registry_key in self.faults.reject_keys or share < self.faults.reject_rate


def _answer(
    key: str, state: str, receipt: str | None = None, code: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    return {"idempotency_key": key, "state": state, "receipt": receipt, "reason_code": code, "reason": reason}


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 once it passes 64 MiB (without reading the rest)."""
    too_big = HTTPException(413, f"the body is over the limit of {MAX_BODY_BYTES // 1024**2} MiB")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_big
    return bytes(body)


def _open_package(body: bytes) -> tuple[zipfile.ZipFile, _Manifest]:
    """The zip and its manifest; 400 when either cannot be read (the whole package is refused)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        info = archive.getinfo(MANIFEST)
        if info.file_size > MAX_BODY_BYTES:
            raise HTTPException(400, f"{MANIFEST} is over {MAX_BODY_BYTES // 1024**2} MiB")
        manifest = _Manifest.model_validate_json(archive.read(info))
    except zipfile.BadZipFile:
        raise HTTPException(400, "the package is not a zip file") from None
    except KeyError:
        raise HTTPException(400, f"the package has no {MANIFEST}") from None
    except ValidationError as error:
        raise HTTPException(400, f"{MANIFEST} does not parse: {_first_problem(error)}") from None
    except (NotImplementedError, RuntimeError, zlib.error) as error:  # odd compression, encryption
        raise HTTPException(400, f"{MANIFEST} cannot be read: {error}") from None
    if manifest.format != FORMAT:
        raise HTTPException(400, f"{MANIFEST} is format '{manifest.format}'; this registry reads {FORMAT}")
    return archive, manifest


def _file_problem(archive: zipfile.ZipFile, entry: _ManifestEntry) -> str | None:
    """Why an entry's file is unusable (a bilingual reason naming the file), or None."""
    name = entry.file
    if name != f"{entry.registry_key}.jpg":
        return f"照片文件 {name} 未按证件号命名 / The file {name} is not named <registry_key>.jpg"
    try:
        info = archive.getinfo(name)
        data = archive.read(info) if info.file_size <= MAX_BODY_BYTES else b""
    except KeyError:
        return f"照片文件 {name} 不在数据包中 / The file {name} is missing from the package"
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error):
        return f"照片文件 {name} 无法读取 / The file {name} cannot be read from the package"
    if hashlib.sha256(data).hexdigest() != entry.sha256.lower() or len(data) != entry.size_bytes:
        return f"照片文件 {name} 与清单不符 / The file {name} does not match the manifest's SHA-256 or size"
    if not data.startswith(JPEG_MAGIC):
        return f"照片文件 {name} 不是 JPEG 图像 / The file {name} is not a JPEG image"
    return None


def _first_problem(error: ValidationError) -> str:
    """The first validation problem, by place and message; never the input (it may hold ID numbers)."""
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "the body"
    return f"{where}: {problem['msg']}"


async def _hold(request: Request, seconds: float) -> None:
    """Wait `seconds` before answering, or until the client hangs up (as a timed-out client does)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(HOLD_POLL_S, left))
