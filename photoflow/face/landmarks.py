"""Named points of MediaPipe's 478-point face mesh and the geometry stage 1 reads from them.

Index numbers are MediaPipe's canonical face-mesh topology; `refine_landmarks=True` adds the iris
points 468-477. "Right" and "left" are the subject's, so the subject's right eye is on the image's left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RIGHT_IRIS, LEFT_IRIS = 468, 473
RIGHT_EYE_OUTER, RIGHT_EYE_INNER, RIGHT_EYE_TOP, RIGHT_EYE_BOTTOM = 33, 133, 159, 145
LEFT_EYE_INNER, LEFT_EYE_OUTER, LEFT_EYE_TOP, LEFT_EYE_BOTTOM = 362, 263, 386, 374
RIGHT_CHEEK_EDGE, LEFT_CHEEK_EDGE = 234, 454
FOREHEAD_TOP, CHIN = 10, 152
MOUTH_RIGHT, MOUTH_LEFT = 61, 291
UPPER_LIP_OUTER, UPPER_LIP_INNER, LOWER_LIP_INNER, LOWER_LIP_OUTER = 0, 13, 14, 17
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
RIGHT_EYE_RING = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_RING = (362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382)
RIGHT_CHEEK, LEFT_CHEEK = (50, 101, 118, 205, 187, 123), (280, 330, 347, 425, 411, 352)
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)


@dataclass(frozen=True)
class FaceLandmarks:
    """The mesh of one face in pixel coordinates of the image it was found in (x, y, and relative depth z)."""

    points: np.ndarray  # (478, 3) float

    def xy(self, index: int) -> np.ndarray:
        return self.points[index, :2]

    @property
    def right_eye(self) -> np.ndarray:
        return self.xy(RIGHT_IRIS)

    @property
    def left_eye(self) -> np.ndarray:
        return self.xy(LEFT_IRIS)

    @property
    def eye_midpoint(self) -> np.ndarray:
        return (self.right_eye + self.left_eye) / 2

    @property
    def eye_distance(self) -> float:
        return float(np.linalg.norm(self.left_eye - self.right_eye))

    @property
    def face_width(self) -> float:
        """Cheek to cheek, the spec's face width."""
        return float(np.linalg.norm(self.xy(LEFT_CHEEK_EDGE) - self.xy(RIGHT_CHEEK_EDGE)))

    @property
    def roll(self) -> float:
        """Degrees the eye line is turned from horizontal (positive: the subject's left eye is lower)."""
        dx, dy = self.left_eye - self.right_eye
        return math.degrees(math.atan2(dy, dx))

    @property
    def yaw(self) -> float:
        """Degrees the face is turned left or right, from the depth difference between the cheek edges."""
        right, left = self.points[RIGHT_CHEEK_EDGE], self.points[LEFT_CHEEK_EDGE]
        return math.degrees(math.atan2(left[2] - right[2], left[0] - right[0]))

    @property
    def pitch(self) -> float:
        """Degrees the face is tilted up or down, from the depth difference between forehead and chin."""
        top, chin = self.points[FOREHEAD_TOP], self.points[CHIN]
        return math.degrees(math.atan2(chin[2] - top[2], chin[1] - top[1]))

    def levelled(self) -> np.ndarray:
        """x, y turned so the eyes are level, origin at the right iris, unit = distance between the irises."""
        angle = -math.radians(self.roll)
        cos, sin = math.cos(angle), math.sin(angle)
        rotation = np.array([[cos, -sin], [sin, cos]])
        return (self.points[:, :2] - self.right_eye) @ rotation.T / self.eye_distance

    def transformed(self, matrix: np.ndarray) -> FaceLandmarks:
        """The same mesh after a 2x3 affine warp (depth scaled with it)."""
        xy = self.points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        scale = math.sqrt(abs(np.linalg.det(matrix[:, :2])))
        return FaceLandmarks(np.column_stack([xy, self.points[:, 2] * scale]))
