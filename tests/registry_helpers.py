"""Package builders for registry tests: valid ID numbers and small real JPEGs.

The JPEGs are re-encoded from the ID portraits in `../shared/datasets` (read by path, never copied):
about 3 KB each, enough for the registry, which checks only the JPEG magic and the SHA-256.
"""

from __future__ import annotations

import uuid
from functools import cache

import cv2

from photoflow import idnumber
from photoflow.registry.packages import PackageEntry
from tests.paths import DATASETS

PORTRAITS = DATASETS / "id_portraits" / "london_neutral_front"
TOKEN = "test-registry-token"


@cache
def portrait_jpeg(index: int, size: tuple[int, int], quality: int) -> bytes:
    """The `index`-th London portrait (cycled) resized to `size` (width, height) and encoded as a JPEG."""
    portraits = sorted(PORTRAITS.glob("*.jpg"))
    image = cv2.imread(str(portraits[index % len(portraits)]))
    ok, encoded = cv2.imencode(".jpg", cv2.resize(image, size), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return encoded.tobytes()


def spec_jpeg(index: int) -> bytes:
    """The `index`-th London portrait, shrunk to 90 x 120 and encoded as a JPEG."""
    return portrait_jpeg(index, (90, 120), 80)


def id_number(index: int) -> str:
    """A valid 18-character ID number (check character included), distinct per `index`."""
    first17 = f"11010519990101{index:03d}"
    return first17 + idnumber.check_char(first17)


def entry(index: int, photo: bytes | None = None) -> PackageEntry:
    """An entry with a fresh idempotency key for the `index`-th student."""
    return PackageEntry(uuid.uuid4().hex, id_number(index), f"学生{index}", photo or spec_jpeg(index))


def spec_sized_jpeg(index: int, quality: int = 80) -> bytes:
    """The `index`-th portrait at the spec's 480 x 640; quality 80 lands inside the 20-40 KB band."""
    return portrait_jpeg(index, (480, 640), quality)
