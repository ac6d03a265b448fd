"""The mail server as the outbox sender sees it: one connection, one message at a time, and what a
failure means for the notices.

smtplib raises a dozen exception types; the sender needs to know only which of four things happened
(`Fault`), because each asks for a different treatment of the outbox rows. Every text that leaves
this module for a log or a database column has its e-mail addresses and ID numbers masked: servers
like to quote the recipient back in their replies.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from enum import Enum

from photoflow import idnumber
from photoflow.settings import Settings

EMAIL_IN_TEXT = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*")
MAX_ERROR_CHARS = 500  # Notification.last_error


class Fault(Enum):
    """What a failure means for the notices of a delivery run."""

    RETRY = "retry"  # this notice, later (a 4xx for this message); the connection still works
    REFUSED = "refused"  # this notice, never (a 5xx for this recipient or message, a malformed address)
    CONNECTION = "connection"  # the server is gone: this notice and every one not yet sent, later
    SETUP = "setup"  # our configuration is wrong (login, TLS, sender): nothing can go until it is fixed


def mask_email(address: str | None) -> str:
    """`s2***@example.edu`: enough to tell notices apart in a log or a listing, not to write to."""
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return address[:2] + "***"
    return f"{local[:2] if len(local) > 2 else local[:1]}***@{domain}"


def mask_in_text(text: str) -> str:
    """`text` with every address-like and ID-number-like run masked (server replies quote them)."""
    return idnumber.mask_in_text(EMAIL_IN_TEXT.sub(lambda found: mask_email(found.group()), text))


def build_message(
    *, sender: str, recipient: str, subject: str, body: str, message_id: str, date: datetime
) -> EmailMessage:
    """A plain-text UTF-8 notice. Raises ValueError for a header that is not a valid one (an address
    with a line break in it, say), which no later try can fix."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id  # fixed when queued: a resend is recognisably the same notice
    # base64 travels through any relay, 8-bit clean or not; Chinese text is shorter in it than in QP
    message.set_content(body, charset="utf-8", cte="base64")
    return message


def attach(message: EmailMessage, *, filename: str, data: bytes, content_type: str) -> None:
    """Add a file to a message from `build_message`, which becomes multipart/mixed with its text first.

    `content_type` is sent as given (a zip stays application/zip, a workbook keeps its OOXML type) so
    mail clients open the file with the right program.
    """
    maintype, _, subtype = content_type.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)


@contextmanager
def connect(settings: Settings) -> Iterator[smtplib.SMTP]:
    """One session with the configured server, logged in when a user is set; closed politely after.

    Raises what smtplib raises; `classify(error, connecting=True)` says what it means.
    """
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout_s
    context = ssl.create_default_context()
    if settings.smtp_security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        server.ehlo()
        if settings.smtp_security == "starttls":
            server.starttls(context=context)
            server.ehlo()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            server.login(settings.smtp_user, password)
        yield server
    finally:
        with suppress(smtplib.SMTPException, OSError):  # the server may be gone; nothing left to say
            server.quit()
        server.close()


def send(server: smtplib.SMTP, message: EmailMessage, *, sender: str, recipient: str) -> None:
    """Hand one message to the server for one recipient; returns once the server accepted it."""
    server.send_message(message, from_addr=sender, to_addrs=[recipient])


def classify(error: Exception, *, connecting: bool = False) -> Fault:
    """What `error`, raised while connecting or while sending one message, means for the notices."""
    # smtplib's exceptions are OSErrors, and ssl's are too: the specific checks come first
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return Fault.SETUP
    if isinstance(error, ssl.SSLError) and connecting:  # a certificate, or TLS spoken to a plain port
        return Fault.SETUP
    if isinstance(error, smtplib.SMTPNotSupportedError):  # no STARTTLS; no SMTPUTF8 for this address
        return Fault.SETUP if connecting else Fault.REFUSED
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError) or connecting:
        return Fault.CONNECTION
    if isinstance(error, ValueError):  # a header smtplib or email refused to write
        return Fault.REFUSED
    code = _code(error)
    if code is None:
        return Fault.CONNECTION  # a bare OSError: timeout, reset, refused
    if code == 421:  # the server is closing the session
        return Fault.CONNECTION
    if code >= 500:
        # the sender refused for good is our configuration, and so the same for every notice
        return Fault.SETUP if isinstance(error, smtplib.SMTPSenderRefused) else Fault.REFUSED
    return Fault.RETRY


def describe(error: Exception, settings: Settings) -> str:
    """A short account of `error` for `last_error` and logs: code and reply, masked, cut to fit."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [f"{code} {_text(reply)}" for code, reply in error.recipients.values()]
        text = f"recipient refused: {'; '.join(replies)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    elif isinstance(error, ValueError):
        text = f"not a message that can be sent: {error}"
    else:
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        text = f"{type(error).__name__} at {where}: {error}".rstrip(": ")
    return mask_in_text(" ".join(text.split()))[:MAX_ERROR_CHARS]


def _code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return max(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
