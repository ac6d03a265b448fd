"""Find faces, the face mesh and the person mask in one image, with models loaded once per process.

MediaPipe's legacy solutions carry their .tflite models inside the wheel, so nothing is downloaded.
Their graphs are not thread-safe: each worker process holds its own `FaceAnalyzer` (`get_analyzer`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from photoflow.face.landmarks import FaceLandmarks

os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ start-up chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ANALYSIS_SIDE = 960  # larger photos are analysed at this long side; landmarks come back in full size
MIN_FACE_SCORE = 0.5
SECOND_FACE_MIN_SIZE = 0.3  # a second face counts when at least this share of the main face's width


@dataclass(frozen=True)
class FaceBox:
    x: float
    y: float
    width: float
    height: float
    score: float


@dataclass(frozen=True)
class FaceAnalysis:
    """What the models saw in one RGB image, in that image's pixel coordinates."""

    faces: tuple[FaceBox, ...]  # every face the detector found, largest first
    landmarks: FaceLandmarks | None  # the mesh of the main face, if one was found
    person_mask: np.ndarray  # float32 H x W, 1 = person, 0 = background

    @property
    def face_count(self) -> int:
        """Faces big enough to matter: tiny detections far smaller than the main face are ignored."""
        if not self.faces:
            return 1 if self.landmarks is not None else 0
        main = self.faces[0].width
        return sum(1 for face in self.faces if face.width >= SECOND_FACE_MIN_SIZE * main)


class FaceAnalyzer:
    """Holds the three MediaPipe graphs; create once per process and reuse for every photo."""

    def __init__(self) -> None:
        from photoflow.face.mediapipe_import import import_mediapipe

        solutions = import_mediapipe().solutions
        self._detector = solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=MIN_FACE_SCORE
        )
        self._mesh = solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=True, min_detection_confidence=0.5
        )
        self._segmenter = solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)

    def analyse(self, rgb: np.ndarray, *, whole_picture: bool = True) -> FaceAnalysis:
        """Faces, mesh and person mask; `whole_picture=False` runs the mesh alone, for a picture whose
        faces were already counted and whose mask is already known (a spec image made from them)."""
        height, width = rgb.shape[:2]
        scale = min(1.0, ANALYSIS_SIDE / max(height, width))
        small = rgb
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        small = np.ascontiguousarray(small)
        landmarks = self._landmarks(small, width, height)
        if not whole_picture:
            return FaceAnalysis((), landmarks, np.zeros((0, 0), np.float32))
        faces = self._faces(small, width, height)
        mask = self._segmenter.process(small).segmentation_mask
        if mask is None:
            mask = np.zeros(small.shape[:2], np.float32)
        if scale < 1.0:
            mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
        return FaceAnalysis(faces, landmarks, mask.astype(np.float32, copy=False))

    def _faces(self, small: np.ndarray, width: int, height: int) -> tuple[FaceBox, ...]:
        result = self._detector.process(small)
        boxes = []
        for detection in result.detections or []:
            box = detection.location_data.relative_bounding_box
            boxes.append(
                FaceBox(
                    box.xmin * width,
                    box.ymin * height,
                    box.width * width,
                    box.height * height,
                    float(detection.score[0]),
                )
            )
        return tuple(sorted(boxes, key=lambda b: b.width, reverse=True))

    def _landmarks(self, small: np.ndarray, width: int, height: int) -> FaceLandmarks | None:
        result = self._mesh.process(small)
        if not result.multi_face_landmarks:
            return None
        points = np.array(
            [(p.x * width, p.y * height, p.z * width) for p in result.multi_face_landmarks[0].landmark],
            dtype=np.float64,
        )
        return FaceLandmarks(points)


@lru_cache(maxsize=1)
def get_analyzer() -> FaceAnalyzer:
    """The process's one analyzer: models load on first use, then stay for every later photo."""
    return FaceAnalyzer()
