"""The stream names inside an OLE2 compound file (CFB, [MS-CFB]), the container of old .xls workbooks.

Excel writes a password-protected .xlsx as such a container too, holding an `EncryptedPackage`
stream instead of a `Workbook` one; both start with the same eight bytes, so only the directory
tells a user who set a password from one who saved in the 1997-2003 format. We read the directory
only (never a stream's content), following the sector chains the header and the FAT give.
"""

from __future__ import annotations

import struct

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_DIFAT_ENTRIES = 109
LAST_REGULAR_SECTOR = 0xFFFFFFFA  # above this a FAT entry is a marker (free, end of chain, FAT, DIFAT)
ENTRY_BYTES = 128
STREAM = 2


class NotACompoundFileError(ValueError):
    """The bytes start like a compound file but its header or sector chains do not hold together."""


def stream_names(data: bytes) -> set[str]:
    """Names of every stream in the compound file `data`; raises `NotACompoundFileError` if it is none."""
    if len(data) < 512 or not data.startswith(SIGNATURE):
        raise NotACompoundFileError("no compound file header")
    sector_shift, fat_sectors, first_directory, first_difat, difat_sectors = struct.unpack_from(
        "<H12xII16xII", data, 30
    )
    if sector_shift not in (9, 12):
        raise NotACompoundFileError(f"sector shift {sector_shift}")
    size = 1 << sector_shift
    count = (len(data) - size) // size + 1  # sectors after the header (which fills sector -1)

    def sector(number: int) -> bytes:
        if number >= count:
            raise NotACompoundFileError(f"sector {number} is past the end of the file")
        return data[(number + 1) * size : (number + 2) * size]

    fat_locations = list(struct.unpack_from(f"<{HEADER_DIFAT_ENTRIES}I", data, 76))
    following = first_difat
    for _ in range(difat_sectors):
        entries = struct.unpack(f"<{size // 4}I", sector(following))
        fat_locations += entries[:-1]
        following = entries[-1]
    fat: list[int] = []
    for number in [n for n in fat_locations if n < LAST_REGULAR_SECTOR][:fat_sectors]:
        fat += struct.unpack(f"<{size // 4}I", sector(number))

    names: set[str] = set()
    number, seen = first_directory, 0
    while number < LAST_REGULAR_SECTOR:
        seen += 1
        if seen > count or number >= len(fat):
            raise NotACompoundFileError("the directory chain loops or runs off the FAT")
        block = sector(number)
        for offset in range(0, size, ENTRY_BYTES):
            name_bytes, kind = struct.unpack_from("<H B", block, offset + 64)
            if kind == STREAM and 2 <= name_bytes <= 64:
                names.add(block[offset : offset + name_bytes - 2].decode("utf-16-le", "replace"))
        number = fat[number]
    return names
