"""What the one-time download commands report: records waiting to be downloaded, and packages.

ID numbers and e-mail addresses in these models are masked: listings are printed, logged and pasted
into tickets. The full ID numbers are in the package's own files, which are the deliverable.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DownloadableOut(BaseModel):
    """A collected or registered record that no package holds yet."""

    record_id: int
    id_number: str  # masked
    name: str
    status: str
    status_label: str
    department: str | None
    class_name: str | None


class DownloadPackageOut(BaseModel):
    """One package: its files (relative to the data folder; `package_files` and `--json` give the
    absolute paths), its size and how it was delivered."""

    id: int
    batch_id: int
    records: int
    table_path: str
    photos_path: str
    size_bytes: int
    created_by: str
    created_at: datetime
    emailed_to: str | None  # masked
    email_outcome: str | None
    email_delivered: bool | None = Field(
        default=None, description="None: no e-mail asked for; False: the package waits in the records."
    )
    # records left out of this package (they stay downloadable), masked, with why: filled on creation only
    left_out: list[str] = Field(default_factory=list)


class PackageFilesOut(BaseModel):
    """The two files of a past package, for downloading it again."""

    package_id: int
    batch_id: int
    records: int
    table_path: str
    photos_path: str
    size_bytes: int
