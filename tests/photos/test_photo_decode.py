"""Decoding uploads: content over extension, sizes before pixels, every mode to upright RGB on white."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from photoflow.errors import PhotoflowError
from photoflow.photos.decode import (
    DecodedPhoto,
    PhotoRefusedError,
    decode_photo,
    sniff_format,
)
from schemas.reasons import PhotoReason
from tests.paths import DATASETS

LONDON_JPEG = DATASETS / "id_portraits" / "london_neutral_front" / "001_03.jpg"
YALE_GIF = DATASETS / "id_defects" / "yalefaces" / "subject01.happy.gif"
WEBP_NAMED_JPG = DATASETS / "deepface_tests" / "images" / "img47.jpg"
ALL_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
MB = 1024 * 1024
NAME = "110101199003074514.jpg"


def decode(
    data: bytes,
    *,
    max_bytes: int = 20 * MB,
    max_pixels: int = 50_000_000,
    formats: frozenset[str] = ALL_FORMATS,
) -> DecodedPhoto:
    return decode_photo(data, name=NAME, max_bytes=max_bytes, max_pixels=max_pixels, formats=formats)


def refused(data: bytes, **limits: Any) -> PhotoRefusedError:
    """The refusal for `data`; every refusal must name the file it is about."""
    with pytest.raises(PhotoRefusedError) as caught:
        decode(data, **limits)
    assert NAME in str(caught.value)
    return caught.value


def encode(image: Image.Image, image_format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A greyscale PNG whose header claims width x height but whose data stops after one row.

    The zlib stream is left unfinished, as in a cut-off upload: Pillow accepts a finished stream that
    is short and fills the missing rows with black.
    """
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    stream = zlib.compressobj()
    one_row = stream.compress(b"\x00" * (width + 1)) + stream.flush(zlib.Z_SYNC_FLUSH)
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", one_row) + png_chunk(b"IEND", b"")


def test_real_rgb_jpeg_decodes_with_hash_size_and_mode() -> None:
    data = LONDON_JPEG.read_bytes()
    photo = decode(data)
    assert (photo.format, photo.source_mode, photo.greyscale) == ("JPEG", "RGB", False)
    assert photo.rgb.shape == (960, 960, 3) and photo.rgb.dtype == np.uint8
    assert (photo.width, photo.height) == (960, 960)
    assert photo.byte_size == len(data)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_jpeg_quality_comes_from_the_tables_not_the_comment() -> None:
    # The file's COM marker says "quality = 100", but its tables are IJG quality 92 exactly: it was
    # re-encoded after the comment was written.
    assert b"quality = 100" in LONDON_JPEG.read_bytes()
    assert decode(LONDON_JPEG.read_bytes()).jpeg_quality == 92


@pytest.mark.parametrize("quality", [30, 60, 90])
def test_jpeg_quality_estimate_is_within_3_of_the_saved_quality(quality: int) -> None:
    data = encode(Image.open(LONDON_JPEG), "JPEG", quality=quality)
    estimate = decode(data).jpeg_quality
    assert estimate is not None and abs(estimate - quality) <= 3


def test_webp_named_jpg_is_read_as_webp_by_its_content() -> None:
    photo = decode(WEBP_NAMED_JPG.read_bytes())
    assert (photo.format, photo.jpeg_quality) == ("WEBP", None)
    assert (photo.width, photo.height) == (1350, 1800)


def test_webp_named_jpg_is_refused_when_webp_is_not_accepted() -> None:
    error = refused(WEBP_NAMED_JPG.read_bytes(), formats=frozenset({"JPEG", "PNG"}))
    assert error.reason is PhotoReason.UNSUPPORTED_FORMAT
    assert "WebP" in error.detail and "save it as JPEG or PNG" in error.detail


def test_greyscale_gif_decodes_to_rgb_with_equal_channels() -> None:
    photo = decode(YALE_GIF.read_bytes())
    assert (photo.format, photo.source_mode, photo.greyscale) == ("GIF", "L", True)
    assert photo.rgb.shape == (243, 320, 3)
    assert np.array_equal(photo.rgb[:, :, 0], photo.rgb[:, :, 1])
    assert np.array_equal(photo.rgb[:, :, 1], photo.rgb[:, :, 2])


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"GIF87a\x01\x00", "GIF"),
        (b"GIF89a\x01\x00", "GIF"),
        (b"BM\x3a\x00\x00\x00", "BMP"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
        (b"II*\x00\x08\x00", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_format_reads_magic_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_format(head) == expected


def test_empty_file_is_refused() -> None:
    error = refused(b"")
    assert error.reason is PhotoReason.EMPTY_FILE


def test_file_over_max_bytes_is_refused_before_anything_is_decoded() -> None:
    # Broken JPEG bytes: decoding them would say "truncated", so the size check must come first.
    error = refused(b"\xff\xd8\xff" + b"\x00" * 5000, max_bytes=4000)
    assert error.reason is PhotoReason.FILE_TOO_LARGE
    assert "the limit is 3.9 KB" in error.detail and "send a smaller photo" in error.detail


def test_text_named_jpg_is_not_an_image(tmp_path: Path) -> None:
    fake = tmp_path / NAME
    fake.write_text("姓名,身份证号\n张三,110101199003074514\n", encoding="utf-8")
    error = refused(fake.read_bytes())
    assert error.reason is PhotoReason.NOT_AN_IMAGE
    assert "JPEG, PNG, WebP, GIF or BMP" in error.detail


def test_iphone_heic_named_jpg_is_refused_as_an_unsupported_format() -> None:
    error = refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100)
    assert error.reason is PhotoReason.UNSUPPORTED_FORMAT
    assert "HEIC" in error.detail


def test_pixel_count_from_the_header_is_refused_before_pixels_are_read() -> None:
    # The file holds one row of the 5000 it claims: had it been decoded, the refusal would be "truncated".
    error = refused(png_claiming(5000, 5000), max_pixels=1_000_000)
    assert error.reason is PhotoReason.TOO_MANY_PIXELS
    assert "5000 x 5000 pixels" in error.detail and "1,000,000" in error.detail
    assert refused(png_claiming(5000, 5000), max_pixels=25_000_000).reason is PhotoReason.TRUNCATED_IMAGE


def test_large_real_picture_over_max_pixels_is_refused() -> None:
    data = encode(Image.new("L", (5000, 5000), 128), "PNG")
    assert refused(data, max_pixels=1_000_000).reason is PhotoReason.TOO_MANY_PIXELS


@pytest.mark.parametrize("side", [10_000, 40_000])  # over Pillow's warning and over its error limit
def test_pillow_bomb_limits_refuse_as_too_many_pixels_without_changing_globals(side: int) -> None:
    limit_before, filters_before = Image.MAX_IMAGE_PIXELS, list(warnings.filters)
    error = refused(png_claiming(side, side), max_pixels=10**10)
    assert error.reason is PhotoReason.TOO_MANY_PIXELS
    assert (Image.MAX_IMAGE_PIXELS, warnings.filters) == (limit_before, filters_before)


def test_first_half_of_a_real_jpeg_is_refused_as_truncated() -> None:
    data = LONDON_JPEG.read_bytes()
    error = refused(data[: len(data) // 2])
    assert error.reason is PhotoReason.TRUNCATED_IMAGE
    assert "damaged or incomplete" in error.detail


def test_png_with_its_end_cut_off_is_refused_as_truncated() -> None:
    data = encode(Image.open(LONDON_JPEG), "PNG")
    assert refused(data[: len(data) // 2]).reason is PhotoReason.TRUNCATED_IMAGE


def test_refusal_is_a_photoflow_error_carrying_reason_and_detail() -> None:
    error = refused(b"hello")
    assert isinstance(error, PhotoflowError)
    assert str(error) == error.detail
    assert error.reason == "not_an_image"


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour() -> None:
    # Pillow writes CMYK JPEGs with an Adobe marker and inverted values, as Photoshop does.
    data = encode(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG", quality=95)
    photo = decode(data)
    assert (photo.source_mode, photo.greyscale) == ("CMYK", False)
    assert np.abs(photo.rgb[32, 32].astype(int) - (255, 0, 0)).max() <= 4


def test_sixteen_bit_png_is_scaled_to_8_bits_not_clipped() -> None:
    ramp = np.tile(np.linspace(0, 65535, 256).round().astype(np.uint16), (8, 1))
    data = encode(Image.fromarray(ramp), "PNG")
    photo = decode(data)
    assert (photo.source_mode, photo.greyscale) == ("I;16", True)
    row = photo.rgb[0, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255 and row[128] in (128, 129)
    assert np.all(np.diff(row) >= 0) and len(np.unique(row)) > 250


def test_transparent_pixels_become_white_not_black() -> None:
    pixels = np.zeros((10, 20, 4), dtype=np.uint8)
    pixels[:, :10] = (255, 0, 0, 0)  # transparent (its hidden colour is red)
    pixels[:, 10:] = (0, 0, 255, 255)  # opaque blue
    photo = decode(encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    assert photo.source_mode == "RGBA"
    assert tuple(photo.rgb[5, 2]) == (255, 255, 255)
    assert tuple(photo.rgb[5, 15]) == (0, 0, 255)


def test_half_transparent_grey_is_blended_with_white() -> None:
    photo = decode(encode(Image.new("LA", (4, 4), (0, 128)), "PNG"))
    assert (photo.source_mode, photo.greyscale) == ("LA", True)
    assert 125 <= photo.rgb[0, 0, 0] <= 129


def test_palette_gif_with_a_transparent_index_is_white_there() -> None:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 4, 8))
    photo = decode(encode(image, "GIF", transparency=0))
    assert (photo.format, photo.source_mode) == ("GIF", "P")
    assert tuple(photo.rgb[4, 1]) == (255, 255, 255)
    assert tuple(photo.rgb[4, 6]) == (200, 30, 30)


def test_palette_png_becomes_its_palette_colours() -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([10, 20, 30, 40, 50, 60] + [0, 0, 0] * 254)
    photo = decode(encode(image, "PNG"))
    assert photo.source_mode == "P" and not photo.greyscale
    assert tuple(photo.rgb[0, 0]) == (40, 50, 60)


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert tuple(decode(data).rgb[4, 4]) == (255, 0, 0)


def test_exif_orientation_6_turns_the_picture_upright() -> None:
    # Stored 200 wide and 100 high with a red corner top-left; orientation 6 means "rotate 90° clockwise
    # to display", so the upright picture is 100 x 200 with the red corner top-right.
    stored = Image.new("RGB", (200, 100), (255, 255, 255))
    stored.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = decode(encode(stored, "JPEG", quality=95, exif=exif))
    assert (photo.width, photo.height) == (100, 200)
    assert photo.rgb.shape == (200, 100, 3)
    assert photo.rgb[10, 90, 0] > 200 and photo.rgb[10, 90, 1] < 60
    assert photo.rgb[10, 10, 1] > 200


def test_grey_picture_saved_as_rgb_jpeg_counts_as_greyscale() -> None:
    grey = Image.open(YALE_GIF).convert("RGB")
    photo = decode(encode(grey, "JPEG", quality=85))
    assert (photo.source_mode, photo.greyscale) == ("RGB", True)


def test_one_bit_png_is_greyscale_black_and_white() -> None:
    image = Image.new("1", (8, 8), 0)
    image.paste(1, (4, 0, 8, 8))
    photo = decode(encode(image, "PNG"))
    assert (photo.source_mode, photo.greyscale) == ("1", True)
    assert tuple(photo.rgb[0, 0]) == (0, 0, 0) and tuple(photo.rgb[0, 7]) == (255, 255, 255)


def test_decoded_pixels_are_read_only() -> None:
    photo = decode(LONDON_JPEG.read_bytes())
    with pytest.raises(ValueError, match="read-only"):
        photo.rgb[0, 0, 0] = 1
