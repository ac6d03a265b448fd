"""The copy of a photo the web app shows: upright, and with none of the file's metadata.

A phone's photo carries EXIF (where it was taken, GPS included, the device, the time), often XMP and
IPTC too. The original is kept byte for byte for audit and is never sent to a browser; reviewers and
admins see a copy made from the decoded pixels (EXIF orientation applied, the same upright picture
stage 1 reviewed), so no metadata block survives, ICC colour profile included. A JPEG is encoded again
at the quality it came with, anything else as PNG (lossless). Each copy is made once and kept under
photos/derived/served, named by the SHA-256 of the file it was made from.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from data_contracts.photo_spec import load_photo_spec
from photoflow import storage
from photoflow.photos.decode import decode_upload

MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}
# what Pillow names the metadata blocks it reads: EXIF, XMP (JPEG, PNG), IPTC (APP13), comments, MPF
METADATA_KEYS = frozenset({"exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "mp", "mpoffset"})


def carries_metadata(data: bytes) -> bool:
    """Whether the file holds more than pixels: EXIF (GPS, device, time), XMP, IPTC, a comment, MPF.

    Stage 1 keeps a spec-size JPEG's own bytes only when not, since its spec image is what the registry
    and the download packages receive.
    """
    with Image.open(io.BytesIO(data)) as opened:
        return bool(METADATA_KEYS & set(opened.info)) or len(opened.getexif()) > 0


def metadata_free(data: bytes, *, name: str) -> tuple[bytes, str]:
    """The picture in `data`, upright and without metadata; returns the bytes and their suffix.

    Raises PhotoRefusedError for a file that is no picture we read (it is then not shown at all).
    """
    decoded = decode_upload(data, name=name, intake=load_photo_spec().intake)
    buffer = io.BytesIO()
    picture = Image.fromarray(decoded.rgb)  # pixels only: a new image has no EXIF, XMP, IPTC or ICC
    if decoded.jpeg_quality is not None:
        picture.save(buffer, "JPEG", quality=decoded.jpeg_quality)
        return buffer.getvalue(), ".jpg"
    picture.save(buffer, "PNG")
    return buffer.getvalue(), ".png"


def served_copy(data_dir: Path, source: Path) -> Path:
    """The metadata-free copy of `source` (a file in the data folder), made on first request.

    Raises PhotoRefusedError when the source is no picture we read.
    """
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    folder = storage.served_dir(data_dir, digest)
    for suffix in MEDIA_TYPES:
        made = folder / f"{digest}{suffix}"
        if made.is_file():
            return made
    clean, suffix = metadata_free(data, name=source.name)
    storage.make_dir(folder)
    target = folder / f"{digest}{suffix}"
    # written aside and moved into place, so two requests at once never see half a file
    descriptor, partial = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(descriptor, "wb") as file:
        file.write(clean)
    Path(partial).replace(target)
    return target
