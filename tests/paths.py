"""Where the project and the shared datasets lie, for tests in any folder below tests/."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DATASETS = PROJECT.parent / "shared" / "datasets"
