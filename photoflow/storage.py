"""The data folder's layout: every place photoflow keeps a file, named once.

```
<data folder>/                      700, like every folder made here
  photoflow.db                      the SQLite database (when no DATABASE_URL is set)
  session_secret                    signs the web app's cookies (when none is configured)
  prefect/  deepface/               Prefect's home and deepface's weights (unless set elsewhere)
  uploads/<stamp>-<token>/          a roster upload as received, its error report beside it
  photos/originals/<aa>/<sha256>.*  photos as received, byte for byte, named by their SHA-256
  photos/references/<aa>/<sha256>.* ID-registry and enrollment photos, the same way
  photos/derived/<batch>/<record>/<attempt>/   stage 1's spec image and overlay
  photos/derived/served/<aa>/       the metadata-free copies the web app shows
  exports/<batch>/                  export workbooks
  downloads/<batch>/<stamp>-<token>/  a download package's table and zip
  prints/<order>/                   a print order's sheets and manifests
  reports/<China date>/             the analysts' nightly report
  logs/                             the log file and the tracebacks of unexpected errors
  demo/                             the demo's own data folder
```

The database keeps paths relative to the data folder, so moving the folder moves everything; `stored`
makes such a path and `absolute` reads one back. A stored path is never trusted (a row can be edited,
an upload names its own files): one that is absolute or climbs out with `..` is refused.

Folders are made owner-only (700) whatever the process's umask; `settings.keep_private` sets the umask
that keeps the files in them owner-only too.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path, PurePosixPath

from photoflow.errors import PhotoflowError
from schemas.clock import utcnow

PRIVATE_FOLDER_MODE = 0o700
ORIGINALS = "originals"
REFERENCES = "references"
DERIVED_FOLDER = Path("photos") / "derived"
SERVED_FOLDER = DERIVED_FOLDER / "served"


class OutsideDataFolderError(PhotoflowError):
    """A path meant to lie in the data folder that does not (absolute, or climbing out with `..`)."""


def absolute(data_dir: Path, stored_path: str) -> Path:
    """The file a path stored in the database names; refuses one that would lie outside the data folder."""
    relative = PurePosixPath(stored_path)
    if not stored_path or relative.is_absolute() or ".." in relative.parts:
        raise OutsideDataFolderError(
            f"{stored_path!r} is no path inside the data folder {data_dir}: the database row naming it "
            "was not written by photoflow; check who changed it"
        )
    return data_dir.joinpath(*relative.parts)


def stored(data_dir: Path, path: Path) -> str:
    """How the database keeps `path` (a place in the data folder): relative to it, with forward slashes."""
    try:
        relative = path.relative_to(data_dir)
    except ValueError:
        relative = None
    if relative is None or ".." in relative.parts:
        raise OutsideDataFolderError(f"{path} is not inside the data folder {data_dir}")
    return relative.as_posix()


def existing_file(data_dir: Path, stored_path: str | None) -> Path | None:
    """The file a stored path names, resolved, if it is one and lies in the data folder (links followed):
    what may be sent to a browser or handed out again. None for anything else."""
    if not stored_path:
        return None
    root = data_dir.resolve()
    try:
        path = absolute(root, stored_path).resolve()
    except OutsideDataFolderError:
        return None
    return path if path.is_relative_to(root) and path.is_file() else None


def make_dir(path: Path) -> Path:
    """Make `path` and any missing folder above it owner-only (700); folders already there are left as
    they are (the data folder itself is closed by `settings.keep_private`)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER_MODE)
        except FileExistsError:  # made by a process beside this one
            continue
        folder.chmod(PRIVATE_FOLDER_MODE)  # the umask may have taken bits off, never added them
    return path


def _fresh_name() -> str:
    """When, to the second, and a token: two uploads in the same second never share a folder."""
    return f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def sqlite_file(data_dir: Path) -> Path:
    return data_dir / "photoflow.db"


def session_secret_file(data_dir: Path) -> Path:
    return data_dir / "session_secret"


def prefect_dir(data_dir: Path) -> Path:
    return data_dir / "prefect"


def deepface_dir(data_dir: Path) -> Path:
    return data_dir / "deepface"


def new_upload_dir(data_dir: Path) -> Path:
    """A folder of its own for one roster upload, made now."""
    return make_dir(data_dir / "uploads" / _fresh_name())


def original(data_dir: Path, digest: str, suffix: str, *, folder: str = ORIGINALS) -> Path:
    """Where a received photo (or, with folder=REFERENCES, a reference photo) with this SHA-256 is kept."""
    return data_dir / "photos" / folder / digest[:2] / f"{digest}{suffix}"


def derived_dir(data_dir: Path) -> Path:
    """Everything made from the photos: spec images, overlays, the copies the web app shows."""
    return data_dir / DERIVED_FOLDER


def derived(data_dir: Path, batch_id: int, record_id: int, attempt_no: int) -> Path:
    """The folder of the images stage 1 made from one attempt's photo."""
    return derived_dir(data_dir) / str(batch_id) / str(record_id) / str(attempt_no)


def served_dir(data_dir: Path, digest: str) -> Path:
    """The folder of the metadata-free copy the web app shows of the file with this SHA-256."""
    return data_dir / SERVED_FOLDER / digest[:2]


def exports_dir(data_dir: Path, batch_id: int) -> Path:
    return data_dir / "exports" / str(batch_id)


def new_downloads_dir(data_dir: Path, batch_id: int) -> Path:
    """A folder of its own for one download package of the batch, made now."""
    return make_dir(data_dir / "downloads" / str(batch_id) / _fresh_name())


def prints_dir(data_dir: Path, order_id: int) -> Path:
    return data_dir / "prints" / str(order_id)


def reports_dir(data_dir: Path, day: date) -> Path:
    return data_dir / "reports" / f"{day:%Y-%m-%d}"


def logs_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


def demo_dir(data_dir: Path) -> Path:
    return data_dir / "demo"
