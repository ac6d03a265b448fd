"""Serve a `RegistrySimulator` in the foreground with uvicorn, for `photoflow registry-sim`."""

from __future__ import annotations

import os
import socket

import uvicorn

from photoflow.errors import PhotoflowError
from photoflow.sandbox.registry_simulator import RegistrySimulator


def serve_simulator(sim: RegistrySimulator, host: str, port: int) -> None:
    """Serve until Ctrl-C. The port is bound here first, so a busy one is a message, not a log line.

    The access log is off: the URLs say nothing (the ID numbers travel in bodies), and `stats()` counts.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listening = socket.create_server((host, port), family=family)
    except OSError as error:
        # bind errors carry a long "(while attempting to bind ...)" suffix; name lookups a negative errno
        reason = os.strerror(error.errno) if error.errno is not None and error.errno > 0 else str(error)
        raise PhotoflowError(
            f"cannot listen on {host}:{port} ({reason}): pick another --port or --host"
        ) from None
    config = uvicorn.Config(sim.app, host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listening])
