"""A stand-in for the ID registry's photo service, for tests and the demo: the real one is not reachable.

It answers the API `HttpRegistrySource` expects, from a folder of `<ID number>.jpg` files read with
`FolderRegistrySource` (so the same naming rules and refusals apply): `GET /photos/<id>` gives the image,
404 when the folder has none, 400 for a malformed ID (checked before the disk is touched) and 401 without
the right bearer token. Tests make it misbehave on purpose: `fail_next` answers the next requests with
an error status, and `delay_s` holds every answer back, to exercise retries and timeouts.
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from photoflow import idnumber
from photoflow.closing import Closing
from photoflow.similarity.id_registry import (
    FolderRegistrySource,
    RegistryNotFound,
    RegistryUnavailableError,
    registry_id,
)

log = logging.getLogger(__name__)

PREFIX = "/photos/"
# The simulator serves what the folder holds, even photos over photoflow's limit, so that the client's
# limit can be tested; this only keeps a stray huge file from being read into memory.
MAX_SERVED_BYTES = 64 * 1024 * 1024
POLL_S = 0.05  # how soon stop() is noticed; the default half second adds up over a test suite


class RegistrySimulator(ThreadingHTTPServer):
    """The server and its test controls; thread-safe, since each request runs in its own thread."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for a request held back by delay_s

    def __init__(
        self, address: tuple[str, int], folder: Path, token: str | None = None, delay_s: float = 0.0
    ) -> None:
        self.photos = FolderRegistrySource(folder, MAX_SERVED_BYTES)
        self.token, self.delay_s = token, delay_s
        self.requests = 0
        self._failures: list[int] = []
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def fail_next(self, n: int, status: int = 500) -> None:
        """Answer the next `n` requests with `status` (after `delay_s`, before anything is checked)."""
        with self._lock:
            self._failures.extend([status] * n)

    def received(self) -> int | None:
        """Count a request; the injected failure status it gets, if any."""
        with self._lock:
            self.requests += 1
            return self._failures.pop(0) if self._failures else None

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up (timed out, or stopped reading an over-size photo): expected
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: RegistrySimulator
    protocol_version = "HTTP/1.1"  # keep-alive, as a real service; every answer sets Content-Length

    def do_GET(self) -> None:
        status, content_type, body = self._answer()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> tuple[int, str, bytes]:
        sim = self.server
        failure = sim.received()
        if sim.delay_s:
            time.sleep(sim.delay_s)
        if failure is not None:
            return _json(failure, "injected failure")
        if sim.token is not None and not hmac.compare_digest(
            self.headers.get("Authorization", "").encode(), f"Bearer {sim.token}".encode()
        ):
            return _json(401, "a valid bearer token is required")
        path = urlsplit(self.path).path
        if not path.startswith(PREFIX):
            return _json(404, "unknown path: use /photos/<ID number>")
        key = registry_id(unquote(path[len(PREFIX) :]))
        if key is None:
            return _json(400, "not an ID number")
        try:
            outcome = sim.photos.fetch(key)
        except RegistryUnavailableError:
            return _json(503, "the photo folder cannot be read now")
        if isinstance(outcome, RegistryNotFound):
            return _json(404, outcome.detail)
        return 200, _content_type(outcome.data), outcome.data

    def log_message(self, fmt: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), idnumber.mask_in_text(fmt % args))


def _json(status: int, detail: str) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps({"detail": detail}).encode()


def _content_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"


@dataclass
class RunningSimulator(Closing):
    """A simulator serving from a background thread; `close()` (or leaving the `with`) shuts it down."""

    server: RegistrySimulator
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an IP server's address, never a Unix socket's bytes
        return f"http://{host}:{port}"

    @property
    def requests(self) -> int:
        return self.server.requests

    def fail_next(self, n: int, status: int = 500) -> None:
        self.server.fail_next(n, status)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def start_simulator(
    folder: Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None, delay_s: float = 0.0
) -> RunningSimulator:
    """Serve `folder` on `host:port` (0: any free port) in a background thread; returns once listening."""
    server = RegistrySimulator((host, port), folder, token=token, delay_s=delay_s)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_S},
        name="id-registry-sim",
        daemon=True,
    )
    thread.start()
    return RunningSimulator(server, thread)
