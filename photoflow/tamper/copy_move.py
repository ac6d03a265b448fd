"""Copy-move traces: a patch cloned elsewhere in the same photo (clone stamp, duplicated texture).

SIFT keypoints are matched against the photo's own keypoints with the generalised 2-nearest-neighbour
test (g2NN): a match counts when it is much closer than the next candidate. A real clone moves many
keypoints by one and the same displacement; mirror-symmetric face features (two eyes, two ears) match
with displacements that change with position, and a feature's own neighbourhood gives near-zero
displacements, so only a cluster of equal, non-trivial displacements is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from data_contracts.tamper_spec import CopyMoveSpec

NEIGHBOURS = 4  # self and duplicate keypoints at the same spot come first; the test reads past them


@dataclass(frozen=True)
class CopyMoveResult:
    pairs: int  # matched keypoint pairs sharing the best displacement
    displacement: tuple[float, float]  # that displacement, in pixels of the original photo


def _pairs(points: np.ndarray, descriptors: np.ndarray, spec: CopyMoveSpec, min_shift: float) -> np.ndarray:
    """Displacements (dx, dy) of the keypoint pairs that pass the g2NN test, one sign per pair."""
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    found = []
    for matches in matcher.knnMatch(descriptors, descriptors, k=NEIGHBOURS):
        query = points[matches[0].queryIdx]
        others = [m for m in matches if np.hypot(*(points[m.trainIdx] - query)) >= min_shift]
        if len(others) < 2 or others[0].distance > spec.max_distance:
            continue
        if others[0].distance < spec.ratio * others[1].distance and others[0].queryIdx < others[0].trainIdx:
            shift = points[others[0].trainIdx] - query
            found.append(shift if (shift[0], shift[1]) > (0, 0) else -shift)
    return np.array(found, np.float32).reshape(-1, 2)


def find_copy_move(gray: np.ndarray, spec: CopyMoveSpec) -> CopyMoveResult:
    """The largest group of keypoint pairs moved by one displacement (0 pairs when nothing matches)."""
    scale = min(1.0, spec.max_side / max(gray.shape))
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    sift = cv2.SIFT.create(nfeatures=spec.max_keypoints)
    # OpenCV's stubs leave out that the mask may be None (no mask), as its documentation allows
    keypoints, descriptors = sift.detectAndCompute(gray, None)  # type: ignore[call-overload]
    if descriptors is None or len(keypoints) <= NEIGHBOURS:
        return CopyMoveResult(0, (0.0, 0.0))
    points = np.array([k.pt for k in keypoints], np.float32)
    shifts = _pairs(points, descriptors, spec, spec.min_shift * scale)
    if len(shifts) == 0:
        return CopyMoveResult(0, (0.0, 0.0))
    distances = np.linalg.norm(shifts[:, None, :] - shifts[None, :, :], axis=2)
    support = (distances <= spec.shift_tolerance * scale).sum(axis=1)
    best = int(np.argmax(support))
    dx, dy = shifts[best] / scale
    return CopyMoveResult(int(support[best]), (float(dx), float(dy)))
