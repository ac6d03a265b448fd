"""List the photo files in an uploaded folder or zip, reading them into memory and never onto disk.

Nothing inside an upload is trusted: a zip can name `../` or absolute paths, hold links, nested
archives, or members that claim one size and expand to another. Such entries are not read; each is
listed with the reason so the sender can be told. The caps on count and size are checked on what the
upload declares before anything is read, and again on what was actually read.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from photoflow import idnumber
from photoflow.decoding import first_decoding
from photoflow.errors import PhotoflowError
from photoflow.photos.decode import describe_size

UTF8_FLAG = 0x800  # general purpose bit 11: the member name is UTF-8
ENCRYPTED_FLAG = 0x1
SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})
SYSTEM_FOLDERS = frozenset({"__macosx"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".tar", ".gz", ".tgz"})
ZIP_MAGIC = b"PK\x03\x04"  # a local file header: the first bytes of every zip that holds a file
ARCHIVE_MAGIC = (ZIP_MAGIC, b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DRIVE = re.compile(r"^[A-Za-z]:")
# Reading a damaged member fails in any of these, depending on where the damage is.
DAMAGED_MEMBER = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError)

ESCAPING_PATH = "its path points outside the upload (absolute, or with '..'): not read; use a plain name"
SYSTEM_FILE = "a hidden or system file (__MACOSX, .DS_Store, Thumbs.db and the like), not a photo"
LINK = "a symbolic link: links are not followed; put the photo file itself in the upload"
NOT_A_FILE = "not a regular file (a device, pipe or socket)"
ENCRYPTED = "password-protected: make the archive again without a password"
NESTED_ARCHIVE = "an archive inside the upload: unpack it and put its photos in directly"


@dataclass(frozen=True)
class SourceFile:
    name: str  # the file name only, as shown to people: "110101199003074514.jpg"
    stem: str  # the name without extension, normalised like roster ID numbers (ASCII, no spaces, X upper)
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SkippedEntry:
    name: str  # the path inside the folder or zip, so the sender can find the entry
    reason: str
    too_large: int | None = None  # the entry's size, when that is why it was not read


@dataclass
class SourceListing:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    """An entry that looks like a file worth reading; `read(n)` returns at most n bytes of it."""

    path: str
    declared_size: int
    read: Callable[[int], bytes]


def list_photo_sources(
    path: Path, *, max_file_bytes: int, max_files: int, max_total_bytes: int
) -> SourceListing:
    """Every regular file in the folder `path` (recursively) or the zip `path`, sorted by name.

    Raises PhotoflowError, naming the upload, when it is neither, is damaged, holds no photos, or
    holds more than `max_files` files or `max_total_bytes` in all.
    """
    with _entries(path) as (label, candidates, skipped):
        _check_declared(label, candidates, skipped, max_files, max_total_bytes, max_file_bytes)
        return _read_all(label, candidates, skipped, max_file_bytes, max_total_bytes)


def check_photo_source(path: Path, *, max_file_bytes: int, max_files: int, max_total_bytes: int) -> None:
    """The refusals of `list_photo_sources` that need no photo read, so that a command can make them
    before it starts a flow run (a refusal then costs nothing and leaves no intake behind)."""
    with _entries(path) as (label, candidates, skipped):
        _check_declared(label, candidates, skipped, max_files, max_total_bytes, max_file_bytes)


@contextmanager
def _entries(path: Path) -> Iterator[tuple[str, list[_Candidate], list[SkippedEntry]]]:
    """The upload's label for messages, the entries worth reading, and those skipped with a reason."""
    skipped: list[SkippedEntry] = []
    if path.is_dir():
        yield f"the folder {path.name}", list(_folder_entries(path, path, skipped)), skipped
        return
    if not path.exists():
        raise PhotoflowError(f"{path} does not exist: check the path and try again")
    label = f"the archive {path.name}"
    if not (path.is_file() and zipfile.is_zipfile(path)):
        if path.is_file() and _starts_like_a_zip(path):
            raise PhotoflowError(
                f"{label} is incomplete: its end (the zip's list of files) is missing, as when a download "
                f"or copy stops early; download or make the zip again and upload it"
            )
        raise PhotoflowError(
            f"{path} is neither a folder nor a zip archive: put the photos in a folder or a .zip file "
            f"and try again"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            yield label, list(_zip_entries(archive, skipped)), skipped
    except (zipfile.BadZipFile, OSError) as error:
        raise PhotoflowError(f"{label} is damaged ({error}): make the zip again and upload it") from error


def _starts_like_a_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ZIP_MAGIC


def _check_declared(
    label: str,
    candidates: list[_Candidate],
    skipped: list[SkippedEntry],
    max_files: int,
    max_total_bytes: int,
    max_file_bytes: int,
) -> None:
    """Refuse an upload with no photos in it, or over the caps by what its entries declare."""
    if not candidates and all(entry.reason == SYSTEM_FILE for entry in skipped):
        held = f"only hidden or system files: {_names(skipped)}" if skipped else "it is empty"
        raise PhotoflowError(
            f"{label} holds no photos ({held}): put the photo files in, named after each student's ID "
            f"number (<证件号>.jpg), and try again"
        )
    if len(candidates) > max_files:
        raise PhotoflowError(
            f"{label} holds {len(candidates)} files; the limit is {max_files} per upload: "
            f"split the photos into several uploads"
        )
    if sum(c.declared_size for c in candidates if c.declared_size <= max_file_bytes) > max_total_bytes:
        raise _too_much(label, max_total_bytes)


def _names(entries: list[SkippedEntry], shown: int = 3) -> str:
    more = f" and {len(entries) - shown} more" if len(entries) > shown else ""
    return ", ".join(entry.name for entry in entries[:shown]) + more


def _too_much(label: str, max_total_bytes: int) -> PhotoflowError:
    return PhotoflowError(
        f"{label} holds more than {describe_size(max_total_bytes)} of files, the limit per upload: "
        f"split the photos into several uploads"
    )


def _read_all(
    label: str,
    candidates: list[_Candidate],
    skipped: list[SkippedEntry],
    max_file_bytes: int,
    max_total_bytes: int,
) -> SourceListing:
    """Read each entry with a bound and check the caps again on what was actually read."""
    found: list[tuple[str, SourceFile]] = []
    total = 0
    for candidate in candidates:
        if candidate.declared_size > max_file_bytes:
            skipped.append(_too_large(candidate.path, candidate.declared_size, max_file_bytes))
            continue
        try:
            data = candidate.read(max_file_bytes + 1)
        except DAMAGED_MEMBER as error:
            reason = f"could not be read ({error}): make the folder or zip again and upload it"
            skipped.append(SkippedEntry(candidate.path, reason))
            continue
        if len(data) > max_file_bytes:  # it grew, or its declared size was a lie
            skipped.append(_too_large(candidate.path, len(data), max_file_bytes))
            continue
        if data.startswith(ARCHIVE_MAGIC):
            skipped.append(SkippedEntry(candidate.path, NESTED_ARCHIVE))
            continue
        total += len(data)
        if total > max_total_bytes:
            raise _too_much(label, max_total_bytes)
        name = CONTROL.sub("", PurePosixPath(candidate.path).name).strip()
        found.append((candidate.path, SourceFile(name, idnumber.normalise(PurePosixPath(name).stem), data)))
    found.sort(key=lambda pair: (pair[1].name, pair[0]))
    return SourceListing(files=[file for _, file in found], skipped=skipped)


def _folder_entries(root: Path, folder: Path, skipped: list[SkippedEntry]) -> Iterator[_Candidate]:
    """Regular files under `folder`, depth first in name order; links are reported, never followed."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        skipped.append(SkippedEntry(_relative(root, folder), f"the folder could not be opened ({error})"))
        return
    for entry in entries:
        relative = _relative(root, Path(entry.path))
        if _is_system(relative):
            skipped.append(SkippedEntry(relative, SYSTEM_FILE))
        elif entry.is_symlink():
            skipped.append(SkippedEntry(relative, LINK))
        elif entry.is_dir(follow_symlinks=False):
            yield from _folder_entries(root, Path(entry.path), skipped)
        elif not entry.is_file(follow_symlinks=False):
            skipped.append(SkippedEntry(relative, NOT_A_FILE))
        elif _has_archive_suffix(relative):
            skipped.append(SkippedEntry(relative, NESTED_ARCHIVE))
        else:
            size = entry.stat(follow_symlinks=False).st_size
            yield _Candidate(relative, size, _file_reader(Path(entry.path)))


def _file_reader(path: Path) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        # O_NOFOLLOW: a file swapped for a link after the listing is refused, not followed.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
            return handle.read(limit)

    return read


def _zip_entries(archive: zipfile.ZipFile, skipped: list[SkippedEntry]) -> Iterator[_Candidate]:
    """Members worth reading, in archive order; the rest are listed as skipped (directories silently)."""
    for info in archive.infolist():
        name = _member_name(info)
        if name.startswith("/") or DRIVE.match(name) or ".." in name.split("/"):
            skipped.append(SkippedEntry(name, ESCAPING_PATH))
        elif name.endswith("/"):
            continue
        elif _is_system(name):
            skipped.append(SkippedEntry(name, SYSTEM_FILE))
        elif stat.S_ISLNK(info.external_attr >> 16):
            skipped.append(SkippedEntry(name, LINK))
        elif info.flag_bits & ENCRYPTED_FLAG:
            skipped.append(SkippedEntry(name, ENCRYPTED))
        elif _has_archive_suffix(name):
            skipped.append(SkippedEntry(name, NESTED_ARCHIVE))
        else:
            yield _Candidate(name, info.file_size, _member_reader(archive, info))


def _member_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        with archive.open(info) as member:
            return member.read(limit)

    return read


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it, with `/` separators.

    Without the UTF-8 flag Python decodes names as CP437, which garbles names from Chinese Windows
    (written in GBK) and from macOS Archive Utility (UTF-8 without the flag). UTF-8 is tried first
    because GBK names are almost never valid UTF-8, while UTF-8 bytes often decode as some GBK text.
    """
    name = info.filename
    if not info.flag_bits & UTF8_FLAG:
        name = first_decoding(name.encode("cp437"), ("utf-8", "gbk")) or name
    return name.replace("\\", "/")  # after decoding: a GBK character's second byte can be 0x5C


def _is_system(path: str) -> bool:
    """Hidden (dot) files and folders, macOS resource forks under __MACOSX, Windows thumbnail caches."""
    parts = [part.lower() for part in path.split("/") if part]
    if parts and parts[-1] in SYSTEM_NAMES:
        return True
    return any(part in SYSTEM_FOLDERS or part.startswith(".") for part in parts)


def _has_archive_suffix(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in ARCHIVE_SUFFIXES


def _relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else root.name


def _too_large(path: str, size: int, limit: int) -> SkippedEntry:
    limit_text = describe_size(limit)
    reason = f"{describe_size(size)}, over the limit of {limit_text} per photo: send a smaller photo"
    return SkippedEntry(path, reason, too_large=size)
