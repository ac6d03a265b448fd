"""Build small OLE2 compound files ([MS-CFB] version 3) for roster tests, without an Office install.

An old .xls is a compound file with a `Workbook` stream; a password-protected .xlsx is one with
`EncryptionInfo` and `EncryptedPackage` streams. The layout is the plainest the format allows:
the header, one FAT sector, one directory sector (up to three streams), then each stream's sectors.
Streams are padded to 4096 bytes so every one lives in regular sectors (no mini stream is needed).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MINI_STREAM_CUTOFF = 4096


def _entry(name: str, kind: int, *, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded) + 2,
        kind,
        1,  # black
        NO_STREAM,
        right,
        child,
        b"",
        0,
        0,
        0,
        start,
        size,
    )


def compound_file(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding `streams` (at most three) under its root storage."""
    if len(streams) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    # Siblings in the order CFB compares names (length, then upper case), each the right child of the last.
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    fat = [FAT_SECTOR, END_OF_CHAIN]
    directory = [_entry("Root Entry", 5, right=NO_STREAM, child=1, start=END_OF_CHAIN, size=0)]
    data = b""
    for index, name in enumerate(names, start=1):
        content = streams[name].ljust(MINI_STREAM_CUTOFF, b"\0")
        size = len(content)
        content += b"\0" * (-size % SECTOR)
        first, count = len(fat), len(content) // SECTOR
        fat += [first + step + 1 for step in range(count - 1)] + [END_OF_CHAIN]
        right = index + 1 if index < len(names) else NO_STREAM
        directory.append(_entry(name, 2, right=right, child=NO_STREAM, start=first, size=size))
        data += content
    directory += [b"\0" * 128] * (4 - len(directory))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        b"",
        0x003E,
        3,
        0xFFFE,
        9,
        6,
        b"",
        0,
        1,
        1,
        0,
        MINI_STREAM_CUTOFF,
        END_OF_CHAIN,
        0,
        END_OF_CHAIN,
        0,
    )
    header += struct.pack("<109I", 0, *[FREE] * 108)
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *fat, *[FREE] * (SECTOR // 4 - len(fat)))
    return header + fat_sector + b"".join(directory) + data


def old_xls() -> bytes:
    """What Excel 97-2003 saves: a `Workbook` stream (its BIFF content is not needed here)."""
    return compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


def password_protected_xlsx() -> bytes:
    """What Excel saves for an .xlsx with an open password: the encrypted package and how to decrypt it."""
    return compound_file(
        {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"x" * 64}
    )
