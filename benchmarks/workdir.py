"""A throwaway data folder (and database) for one benchmark run, set in the environment before any
photoflow module reads its settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temporary_workdir(database_url: str | None) -> Path:
    """A new temporary folder as PHOTOFLOW_DATA_DIR; the database is `database_url` or a SQLite file in it."""
    workdir = Path(tempfile.mkdtemp(prefix="photoflow-bench-"))
    os.environ["PHOTOFLOW_DATA_DIR"] = str(workdir / "data")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("PHOTOFLOW_DATABASE_URL", None)
    return workdir
