"""Import MediaPipe without TensorFlow.

MediaPipe 0.10.21 imports TensorFlow when it is installed, only for its API-doc tooling and remote file
systems, and falls back to plain Python when it is missing. TensorFlow is installed here (deepface
can run on it), and importing it costs every worker process about 4 s and 600 MB for nothing; so
it is hidden while MediaPipe imports, and importable again afterwards for whoever needs it.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_mediapipe() -> ModuleType:
    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    hide = "tensorflow" not in sys.modules
    if hide:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail
    try:
        import mediapipe
    finally:
        if hide and sys.modules.get("tensorflow", ...) is None:
            del sys.modules["tensorflow"]
    return mediapipe
