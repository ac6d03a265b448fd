"""Keep each uploaded roster as received, under a name we choose, before anything reads it.

The uploader's file name is shown to people but never used as a path: it may hold `../` or worse.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePath

from photoflow import storage
from photoflow.roster.reader import RosterFileError, too_large

KNOWN_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".xls"}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FOLDER_NOT_ROSTER = "is a folder, not a roster file: name the roster's .xlsx or .csv file inside it"


@dataclass(frozen=True)
class StagedFile:
    path: Path  # absolute, inside the data folder
    stored_path: str  # relative to the data folder, for the database
    file_name: str  # for display only
    sha256: str
    size_bytes: int


def display_name(raw: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = CONTROL.sub("", PurePath(raw.replace("\\", "/")).name).strip()
    return (name or "roster")[:255]


def stage_upload(source: Path, *, file_name: str, data_dir: Path, max_bytes: int) -> StagedFile:
    """Copy `source` into data_dir/uploads/<stamp>-<token>/, hashing it; refuses files over `max_bytes`."""
    if source.is_dir():
        raise RosterFileError(file_name, "是文件夹，不是名单文件", FOLDER_NOT_ROSTER)
    if not source.is_file():
        raise RosterFileError(file_name, "找不到文件", "was not found or is not a file")
    suffix = PurePath(file_name).suffix.lower()
    target = storage.new_upload_dir(data_dir) / f"roster{suffix if suffix in KNOWN_SUFFIXES else '.bin'}"
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as reader, target.open("wb") as writer:
        while chunk := reader.read(1024 * 1024):
            size += len(chunk)
            if size > max_bytes:
                writer.close()
                shutil.rmtree(target.parent)
                raise too_large(file_name, max_bytes)
            digest.update(chunk)
            writer.write(chunk)
    return StagedFile(target.resolve(), storage.stored(data_dir, target), file_name, digest.hexdigest(), size)
