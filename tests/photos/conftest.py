"""Stage 1's own fixtures: the photo spec, the face models and stage 1 on a file, each made once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from data_contracts.photo_spec import PhotoSpec, load_photo_spec
from photoflow.face.analyzer import FaceAnalyzer, get_analyzer
from photoflow.quality.review import PhotoCheck, check_photo


@pytest.fixture(scope="session")
def spec() -> PhotoSpec:
    return load_photo_spec()


@pytest.fixture(scope="session")
def analyzer() -> FaceAnalyzer:
    """The process's face models, loaded once for the whole run (as a worker process does)."""
    return get_analyzer()


@pytest.fixture(scope="session")
def review(analyzer: FaceAnalyzer, spec: PhotoSpec) -> Callable[[Path], PhotoCheck]:
    """Stage 1 on a photo file, each file reviewed once for the whole run."""

    @cache
    def reviewed(path: Path) -> PhotoCheck:
        return check_photo(path.read_bytes(), name=path.name, analyzer=analyzer, spec=spec)

    return reviewed
