"""Face embeddings for comparison: find the face, align it, let deepface's model describe it.

Detection is MediaPipe's (it finds faces deepface's own detectors miss, see ../shared/FACE_MODELS.md),
with dlib's HOG finder as a second try; alignment is dlib's 5-point face chip, the alignment the
default model (dlib's ResNet) was trained on; the description is deepface's, so the model stays a
setting. Weights are never downloaded: the default model's ship in `face-recognition-models` and are
linked into deepface's home on first use; any other model must already be there.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from photoflow.errors import PhotoflowError

DEFAULT_MODEL = "Dlib"
CHIP_SIZE = 150
CHIP_PADDING = 0.25
ALIGNMENT = f"mediapipe+dlib5-chip{CHIP_SIZE}p{CHIP_PADDING}"
SHAPE_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
# files of face-recognition-models that deepface looks for in $DEEPFACE_HOME/.deepface/weights
SHIPPED_WEIGHTS = ("dlib_face_recognition_resnet_model_v1.dat", SHAPE_PREDICTOR)
DETECTION_SIDE = 640  # faces are found on a copy this size; the chip is cut from the full image
MIN_FACE_SCORE = 0.5


class ModelUnavailableError(PhotoflowError):
    """The configured face model has no weights on this machine and none may be downloaded."""


@dataclass(frozen=True)
class FaceModel:
    """Names an embedding space: vectors from different models or versions are never compared."""

    name: str
    version: str


def shipped_weights_folder() -> Path:
    return Path(str(resources.files("face_recognition_models") / "models"))


def prepare_deepface_home(home: Path) -> Path:
    """Point deepface at `home` and link the shipped weights there; returns the weights folder.

    Linking (not copying) keeps one 22 MB copy; an existing file of the same name is left alone.
    """
    weights = home / ".deepface" / "weights"
    weights.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED_WEIGHTS:
        target = weights / name
        if not target.exists():
            target.unlink(missing_ok=True)  # a dangling link from a moved environment
            with contextlib.suppress(FileExistsError):  # another worker, starting now, made it first
                target.symlink_to(shipped_weights_folder() / name)
    os.environ["DEEPFACE_HOME"] = str(home.resolve())
    # deepface imports TensorFlow only for the engine it runs on; ONNX keeps it out (0.3 s, not 4 s)
    os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "onnx")
    return weights


class FaceEmbedder:
    """Load once per process (models take seconds), then embed any number of images."""

    def __init__(self, model_name: str, home: Path) -> None:
        import dlib

        from photoflow.face.mediapipe_import import import_mediapipe

        weights = prepare_deepface_home(home)
        self.model = face_model(model_name)
        self._represent = _load_model(model_name, weights)
        self._detector = import_mediapipe().solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=MIN_FACE_SCORE
        )
        self._hog = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(weights / SHAPE_PREDICTOR))
        self._dlib = dlib

    def embed(self, rgb: np.ndarray) -> np.ndarray | None:
        """The unit-length embedding of the main face in an RGB image, or None when there is no face."""
        chip = self.chip(rgb)
        return None if chip is None else self.describe([chip])[0]

    def chip(self, rgb: np.ndarray) -> np.ndarray | None:
        """The main face cut out and aligned (eyes level, fixed scale), or None when none is found."""
        box = self._main_face(rgb)
        if box is None:
            return None
        shape = self._shape(rgb, box)
        return self._dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)

    def describe(self, chips: list[np.ndarray]) -> list[np.ndarray]:
        """Embeddings of aligned face chips, in one call to the model, each scaled to unit length."""
        vectors = np.asarray(self._represent(chips), dtype=np.float32).reshape(len(chips), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return list(vectors / np.maximum(norms, 1e-12))

    def _main_face(self, rgb: np.ndarray):
        """The largest face MediaPipe finds; dlib's HOG finder when MediaPipe finds none."""
        height, width = rgb.shape[:2]
        scale = min(1.0, DETECTION_SIDE / max(height, width))
        small = rgb if scale == 1.0 else _resize(rgb, scale)
        found = self._detector.process(np.ascontiguousarray(small)).detections or []
        boxes = []
        for detection in found:
            box = detection.location_data.relative_bounding_box
            left, top = max(0.0, box.xmin) * width, max(0.0, box.ymin) * height
            right = min(1.0, box.xmin + box.width) * width
            bottom = min(1.0, box.ymin + box.height) * height
            if right - left > 8 and bottom - top > 8:
                boxes.append((left, top, right, bottom))
        if boxes:
            left, top, right, bottom = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            return self._dlib.rectangle(round(left), round(top), round(right), round(bottom))
        upsample = 1 if max(height, width) < 400 else 0
        hog = self._hog(np.ascontiguousarray(small), upsample)
        if not len(hog):
            return None
        best = max(hog, key=lambda r: r.area())
        return self._dlib.rectangle(
            round(best.left() / scale),
            round(best.top() / scale),
            round(best.right() / scale),
            round(best.bottom() / scale),
        )


def _resize(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    height, width = rgb.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def face_model(model_name: str) -> FaceModel:
    """The model's name and version without loading it: enough to look up stored embeddings."""
    from importlib.metadata import version

    return FaceModel(model_name, f"deepface {version('deepface')}; {ALIGNMENT}")


def _load_model(model_name: str, weights: Path):
    """deepface's model, loaded now so a missing weight file fails here with a clear message."""
    from deepface import DeepFace

    try:
        DeepFace.build_model(model_name=model_name, task="facial_recognition")
    except ValueError as error:  # an unknown name
        raise ModelUnavailableError(f"face model '{model_name}': {error}") from error
    except Exception as error:  # deepface tried to download the weights; this machine may not
        raise ModelUnavailableError(
            f"face model '{model_name}' has no weights in {weights} and they could not be downloaded "
            f"({type(error).__name__}); put its weight file there, or use the default model "
            f"'{DEFAULT_MODEL}', whose weights ship with the package"
        ) from error

    def represent(chips: list[np.ndarray]) -> list[list[float]]:
        bgr = [np.ascontiguousarray(chip[:, :, ::-1]) for chip in chips]
        found = DeepFace.represent(
            bgr, model_name=model_name, detector_backend="skip", enforce_detection=False, align=False
        )
        return [item[0]["embedding"] if isinstance(item, list) else item["embedding"] for item in found]

    return represent


@lru_cache(maxsize=2)
def get_embedder(model_name: str, home: str) -> FaceEmbedder:
    """The process's embedder for one model: loaded on first use, kept for every later image."""
    return FaceEmbedder(model_name, Path(home))
