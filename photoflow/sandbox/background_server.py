"""Serve an ASGI app from a background thread of this process, on a port the OS picks.

The demo runs the registry simulator this way beside the flows that call it, and the tests serve the
web app and the simulator the same way, so that both speak real HTTP to a server they can inspect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

START_TIMEOUT_S = 10.0


class BackgroundServer:
    """An ASGI app served by uvicorn in a daemon thread on 127.0.0.1."""

    def __init__(self, app: Any, name: str = "background-server") -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=name, daemon=True)

    def start(self) -> str:
        """Start serving and return the base URL once the socket is listening."""
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start under uvicorn (see the log above)")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT_S)


@contextmanager
def serving(app: Any, name: str = "background-server") -> Iterator[str]:
    """The base URL of `app` while the block runs."""
    server = BackgroundServer(app, name)
    try:
        yield server.start()
    finally:
        server.stop()
