"""Turn the bytes of an uploaded photo into one 8-bit RGB array, or refuse the file with a reason code.

The content decides what a file is, never its name: phones and chat apps save WebP or HEIC as `.jpg`.
Sizes are checked before any pixel is decoded, so a small file cannot expand into gigabytes of memory,
and every colour form a camera, scanner or editor writes ends up as the same upright RGB picture.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps
from PIL.JpegImagePlugin import JpegImageFile

from data_contracts.photo_spec import IntakeSpec
from photoflow.errors import PhotoflowError
from schemas.reasons import PhotoReason

# Pillow's names for the formats we can sniff, in the order we suggest them to people.
SNIFFED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
FRIENDLY_NAMES = {"WEBP": "WebP"}
# Image formats people send that we do not read; named in the refusal so they know what to change.
OTHER_IMAGE_MAGIC = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"%PDF", "PDF"),
)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N"})
SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
GREY_TOLERANCE = 3  # JPEG rounding leaves a grey picture saved as RGB a level or two apart per channel
GREY_SAMPLE = 256  # at most this many rows and columns are compared when judging colour
# What Pillow raises for bytes that start like an image but break somewhere inside.
DAMAGED = (OSError, SyntaxError, ValueError, EOFError, struct.error)

# libjpeg's luminance quantisation table (JPEG Annex K) in natural order, as Pillow's `.quantization`
# gives it: every IJG-based encoder (cameras, Photoshop's export, PIL, most phones) scales this table.
IJG_LUMINANCE = (
    (16, 11, 10, 16, 24, 40, 51, 61),
    (12, 12, 14, 19, 26, 58, 60, 55),
    (14, 13, 16, 24, 40, 57, 69, 56),
    (14, 17, 22, 29, 51, 87, 80, 62),
    (18, 22, 37, 56, 68, 109, 103, 77),
    (24, 35, 55, 64, 81, 104, 113, 92),
    (49, 64, 78, 87, 103, 121, 120, 101),
    (72, 92, 95, 98, 112, 100, 103, 99),
)


class PhotoRefusedError(PhotoflowError):
    """The file is refused; `detail` names the file, what was wrong and what to do."""

    def __init__(self, reason: PhotoReason, detail: str) -> None:
        self.reason, self.detail = reason, detail
        super().__init__(detail)


@dataclass(frozen=True, eq=False)  # eq=False: comparing numpy arrays with == gives an array, not a bool
class DecodedPhoto:
    rgb: np.ndarray  # H x W x 3 uint8 RGB, upright (EXIF orientation applied), read-only
    format: str  # Pillow's name for the content: JPEG, PNG, WEBP, GIF, BMP
    source_mode: str  # Pillow's mode of the file as stored: RGB, L, CMYK, I;16, RGBA, P, ...
    greyscale: bool  # the picture carries no colour, whatever mode it was stored in
    jpeg_quality: int | None  # estimated IJG quality 1..100; None when the file is not a JPEG
    byte_size: int
    sha256: str  # of the bytes as uploaded
    width: int  # after orientation
    height: int


def sniff_format(data: bytes) -> str | None:
    """Pillow's format name from the first bytes, or None when they are none of the formats we read."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"BM"):
        return "BMP"
    return None


def decode_upload(data: bytes, *, name: str, intake: IntakeSpec) -> DecodedPhoto:
    """`decode_photo` held to the photo spec's intake limits, the ones every uploaded photo meets."""
    return decode_photo(
        data,
        name=name,
        max_bytes=intake.max_file_bytes,
        max_pixels=intake.max_pixels,
        formats=intake.accepted_formats,
    )


def decode_photo(
    data: bytes, *, name: str, max_bytes: int, max_pixels: int, formats: frozenset[str]
) -> DecodedPhoto:
    """Decode `data` (uploaded as `name`) into upright 8-bit RGB, or raise PhotoRefusedError saying why."""
    if not data:
        raise PhotoRefusedError(
            PhotoReason.EMPTY_FILE,
            f"{name} is empty (0 bytes): the upload did not finish; send the photo again",
        )
    if len(data) > max_bytes:
        raise PhotoRefusedError(
            PhotoReason.FILE_TOO_LARGE,
            f"{name} is {describe_size(len(data))}; the limit is {describe_size(max_bytes)}: "
            f"send a smaller photo, for example saved again as JPEG",
        )
    found = sniff_format(data)
    if found is None:
        other = _other_image_format(data)
        if other is None:
            raise PhotoRefusedError(
                PhotoReason.NOT_AN_IMAGE,
                f"{name} is not a picture (whatever its name says): "
                f"send the photo itself, saved as {_format_list(formats)}",
            )
        raise _unsupported(name, other, formats)
    if found not in formats:
        raise _unsupported(name, FRIENDLY_NAMES.get(found, found), formats)
    image, quality = _open_upright(data, name=name, found=found, max_pixels=max_pixels)
    rgb = _to_rgb(image)
    rgb.setflags(write=False)
    return DecodedPhoto(
        rgb=rgb,
        format=found,
        source_mode=image.mode,
        greyscale=image.mode in GREY_MODES or _looks_grey(rgb),
        jpeg_quality=quality,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=rgb.shape[1],
        height=rgb.shape[0],
    )


def _open_upright(data: bytes, *, name: str, found: str, max_pixels: int) -> tuple[Image.Image, int | None]:
    """The first frame, loaded and turned upright, plus the JPEG quality estimate.

    Image.open reads only the header, so the pixel count is checked before anything is decoded. Pillow's
    own bomb warning is made an error here, and only here, so the global limit stays as it is.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data), formats=[found])
            width, height = opened.size
            if width * height > max_pixels:
                raise PhotoRefusedError(
                    PhotoReason.TOO_MANY_PIXELS,
                    f"{name}: the picture is {width} x {height} pixels; the limit is {max_pixels:,} pixels: "
                    f"send a smaller photo",
                )
            opened.load()
            quality = _jpeg_quality(opened.quantization) if isinstance(opened, JpegImageFile) else None
            upright = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoRefusedError(
                PhotoReason.TOO_MANY_PIXELS,
                f"{name}: the picture has more pixels than can be opened safely "
                f"(the limit is {min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels):,}): "
                f"send a smaller photo",
            ) from error
        except DAMAGED as error:
            raise PhotoRefusedError(
                PhotoReason.TRUNCATED_IMAGE,
                f"{name} starts like a {FRIENDLY_NAMES.get(found, found)} picture but is damaged or "
                f"incomplete: open it on your device to check it, save it again and upload the new file",
            ) from error
    return upright, quality


def _to_rgb(image: Image.Image) -> np.ndarray:
    """8-bit RGB whatever the stored mode; transparent parts become white, as on a printed form."""
    if image.mode in SIXTEEN_BIT_MODES:
        # Pillow's own convert clips 16-bit values at 255, which turns almost every pixel white.
        values = np.clip(np.asarray(image, dtype=np.int64), 0, 65535)
        grey = ((values + 128) // 257).astype(np.uint8)
        return np.repeat(grey[:, :, np.newaxis], 3, axis=2)
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def _looks_grey(rgb: np.ndarray) -> bool:
    """True when no sampled pixel has channels more than GREY_TOLERANCE apart (a grey photo saved as RGB)."""
    step_y = max(1, rgb.shape[0] // GREY_SAMPLE)
    step_x = max(1, rgb.shape[1] // GREY_SAMPLE)
    sample = rgb[::step_y, ::step_x]
    return int((sample.max(axis=2) - sample.min(axis=2)).max()) <= GREY_TOLERANCE


def _ijg_table(quality: int) -> np.ndarray:
    """The luminance table libjpeg writes for `quality` (jcparam.c: scaling, rounding, 1..255 clamp)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((np.array(IJG_LUMINANCE) * scale + 50) // 100, 1, 255)


IJG_TABLES = {quality: _ijg_table(quality) for quality in range(1, 101)}


def _jpeg_quality(tables: dict[int, list[int]]) -> int | None:
    """The IJG quality whose luminance table is nearest the file's (sum of absolute differences).

    A JPEG does not record the quality setting, only the tables it produced. Encoders built on libjpeg
    scale the standard table by the setting, so the nearest scaled table recovers it (exactly for those
    encoders, as an IJG-equivalent for others); ties go to the higher quality.
    """
    if 0 not in tables:
        return None
    luminance = np.array(tables[0]).reshape(8, 8)
    return min(IJG_TABLES, key=lambda q: (int(np.abs(IJG_TABLES[q] - luminance).sum()), -q))


def _other_image_format(data: bytes) -> str | None:
    """The name of an image format we recognise but do not read (HEIC from iPhones, TIFF from scanners)."""
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "AVIF" if data[8:12] == b"avif" else "HEIC"
    return next((label for magic, label in OTHER_IMAGE_MAGIC if data.startswith(magic)), None)


def _unsupported(name: str, label: str, formats: frozenset[str]) -> PhotoRefusedError:
    return PhotoRefusedError(
        PhotoReason.UNSUPPORTED_FORMAT,
        f"{name} is a {label} file, which is not accepted: "
        f"save it as {_format_list(formats)} and upload again",
    )


def _format_list(formats: frozenset[str]) -> str:
    """'JPEG, PNG or WebP': the accepted formats in our order of preference."""
    names = [FRIENDLY_NAMES.get(f, f) for f in SNIFFED_FORMATS if f in formats]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def describe_size(size: int) -> str:
    """'12.3 MB', '850 KB' or '600 bytes', for messages about limits."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"
