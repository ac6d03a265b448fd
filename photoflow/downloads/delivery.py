"""E-mailing a download package: its two files attached, or, over the attachment limit, where they are.

Sent at once over its own SMTP session, not through the notice outbox (whose rows are reshoot
notices to students). The package is committed before the mail is tried, so a mail server that is
down or refuses the message costs nothing but the mail: the outcome is stored on the package, says
what went wrong, and names the command that fetches the package again.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import Engine

from photoflow import storage
from photoflow.errors import PhotoflowError
from photoflow.notify.smtp import attach, build_message, connect, describe, mask_email, send
from photoflow.settings import Settings
from schemas.clock import utcnow
from schemas.db import session_scope
from schemas.deliverables import DownloadPackage

log = logging.getLogger(__name__)

ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")
SENT = "sent"  # every outcome of a message the server accepted starts so; every other outcome does not
NOT_SENT = "not sent"
MAX_OUTCOME_CHARS = 500  # DownloadPackage.email_outcome
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_address(text: str) -> str:
    """The address, trimmed, if it has the shape of one (the server has the last word)."""
    address = text.strip()
    if not ADDRESS.match(address):
        raise PhotoflowError("--email: that is not an e-mail address (expected one address, name@domain)")
    return address


def require_smtp(settings: Settings) -> None:
    """Refuse e-mail delivery when no mail server is configured, before any package is made."""
    if not settings.smtp_host:
        raise PhotoflowError(
            "e-mail delivery needs a mail server: set PHOTOFLOW_SMTP_HOST (and _PORT, _SECURITY, _USER, "
            "_PASSWORD, _SENDER), or create the package without --email and fetch it with "
            "`photoflow download get PACKAGE_ID`"
        )


def is_delivered(outcome: str | None) -> bool:
    return outcome is not None and outcome.startswith(SENT + " ")


def deliver(engine: Engine, settings: Settings, package: DownloadPackage, recipient: str) -> str:
    """Mail the package to `recipient`, store the outcome on the package row and return it."""
    attached = package.size_bytes <= settings.download_attachment_max_bytes
    try:
        message = _message(settings, package, recipient, attached=attached)
        with connect(settings) as server:
            send(server, message, sender=settings.smtp_sender, recipient=recipient)
    except (smtplib.SMTPException, OSError, ValueError) as error:
        outcome = (
            f"{NOT_SENT} to {mask_email(recipient)}: {describe(error, settings)}; the package is kept: "
            f"`photoflow download get {package.id}`"
        )
        log.warning("download package %d: %s", package.id, outcome)
    else:
        how = (
            "files attached"
            if attached
            else (
                f"the paths only: {_size(package.size_bytes)} is over the "
                f"{_size(settings.download_attachment_max_bytes)} attachment limit"
            )
        )
        outcome = f"{SENT} to {mask_email(recipient)} at {utcnow():%Y-%m-%d %H:%M} UTC, {how}"
        log.info("download package %d: %s", package.id, outcome)
    outcome = outcome[:MAX_OUTCOME_CHARS]
    with session_scope(engine) as session:
        row = session.get(DownloadPackage, package.id)
        assert row is not None  # the package being delivered
        row.email_outcome = outcome
        session.add(row)
    return outcome


def _message(settings: Settings, package: DownloadPackage, recipient: str, *, attached: bool) -> EmailMessage:
    table = storage.absolute(settings.data_dir, package.table_path)
    photos = storage.absolute(settings.data_dir, package.photos_path)
    intro = (
        f"批次 {package.batch_id} 的一次性下载包 {package.id}：{package.records} 名学生的采集信息表（xlsx）"
        "与以身份证号命名的照片（zip）。\n"
        f"Download package {package.id} of batch {package.batch_id}: the information table (xlsx) and "
        f"the photos named by ID number (zip) of {package.records} students.\n\n"
    )
    if attached:
        body = intro + "两个文件见附件。 / Both files are attached.\n"
    else:
        size, limit = _size(package.size_bytes), _size(settings.download_attachment_max_bytes)
        body = intro + (
            f"下载包共 {size}，超过邮件附件上限 {limit}，请从以下位置获取：\n"
            f"The package ({size}) is over the attachment limit ({limit}); fetch it from:\n\n"
            f"  采集信息表 table:  {table.resolve()}\n"
            f"  照片 photos:       {photos.resolve()}\n"
        )
    body += (
        f"\n此下载包可随时在下载记录中再次获取 / It stays available from the download records: "
        f"photoflow download get {package.id}\n"
    )
    domain = settings.smtp_sender.rpartition("@")[2] or "photoflow.local"
    message = build_message(
        sender=settings.smtp_sender,
        recipient=recipient,
        subject=f"毕业照片下载包 / Graduation photo download: batch {package.batch_id}, package {package.id}",
        body=body,
        message_id=make_msgid(idstring=f"download-{package.id}", domain=domain),
        date=utcnow(),
    )
    if attached:
        stem = f"batch{package.batch_id}-package{package.id}"
        attach(message, filename=f"{stem}-info-table.xlsx", data=table.read_bytes(), content_type=XLSX)
        attach(message, filename=f"{stem}-photos.zip", data=photos.read_bytes(), content_type=ZIP)
    return message


def _size(size_bytes: int) -> str:
    megabytes = size_bytes / 1024 / 1024
    return f"{megabytes:.1f} MB" if megabytes >= 1 else f"{size_bytes / 1024:.0f} KB"
