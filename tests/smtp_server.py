"""A real SMTP server on a local port, for tests of the outbox sender: fixtures and the server itself.

aiosmtpd's `Controller` runs the server in a background thread of the test process. The server keeps
every message it accepts (parsed, so a test reads headers and the decoded body), can refuse chosen
recipients (a 550) or put them off (a 450), can check a login, and can be stopped and started again
on the same port, so a test can take the mail server down and bring it back between two runs.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message as the server got it."""

    message_id: str
    to: str
    subject: str
    body: str
    envelope_from: str
    envelope_to: tuple[str, ...]
    date: str
    content_type: str


def free_port() -> int:
    """A port nothing listens on right now (the OS picked it for a socket that is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class _Handler:
    """aiosmtpd's hooks: refuse the chosen recipients, keep every message accepted."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address.lower() in self.server.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"
        if address.lower() in self.server.busy:
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(preferencelist=("plain",))
        self.server.add(
            Received(
                message_id=str(parsed["Message-ID"]),
                to=str(parsed["To"]),
                subject=str(parsed["Subject"]),
                body=body.get_content() if body is not None else "",
                envelope_from=envelope.mail_from,
                envelope_to=tuple(envelope.rcpt_tos),
                date=str(parsed["Date"]),
                content_type=parsed.get_content_type(),
            )
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """The server; `start()` and `stop()` may be called again and again, always on `port`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Received] = []
        self.refused: set[str] = set()  # recipients answered with a 550 (for good)
        self.busy: set[str] = set()  # recipients answered with a 450 (for now)
        self.credentials: tuple[str, str] | None = None  # the one login accepted; AUTH is offered always
        self.logins: list[str] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def add(self, message: Received) -> None:
        with self._lock:
            self.messages.append(message)

    def received_ids(self) -> list[str]:
        with self._lock:
            return [message.message_id for message in self.messages]

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _Handler(self),
            hostname=HOST,
            port=self.port,
            authenticator=self._authenticate,
            auth_require_tls=False,  # plain text on loopback, so a test can check that we log in
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append(login)
        # handled=False: aiosmtpd answers the 535 itself (its default, True, leaves the client waiting)
        return AuthResult(success=self.credentials == (login, password), handled=False)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on a free local port; stopped after the test."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> int:
    """A local port where no mail server listens: connecting is refused at once."""
    return free_port()
