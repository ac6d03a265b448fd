"""Listing photo files in a folder or zip: read into memory, never trusting names, links or declared sizes."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest

from photoflow.errors import PhotoflowError
from photoflow.photos.sources import SourceListing, list_photo_sources
from tests.paths import DATASETS

LONDON = DATASETS / "id_portraits" / "london_neutral_front"
MB = 1024 * 1024
CENTRAL_HEADER = b"PK\x01\x02"


def listing(
    path: Path, *, max_file_bytes: int = 5 * MB, max_files: int = 100, max_total_bytes: int = 50 * MB
) -> SourceListing:
    return list_photo_sources(
        path, max_file_bytes=max_file_bytes, max_files=max_files, max_total_bytes=max_total_bytes
    )


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def zip_with_raw_name(path: Path, raw_name: bytes, data: bytes) -> Path:
    """A zip whose one member is named by `raw_name` bytes with the UTF-8 flag clear.

    zipfile always sets the flag for non-ASCII names, so the member is written under an ASCII
    placeholder of the same length and the name bytes are swapped in afterwards.
    """
    placeholder = b"#" * len(raw_name)
    make_zip(path, {placeholder.decode(): data})
    content = path.read_bytes()
    assert content.count(placeholder) == 2  # the local header and the central directory
    path.write_bytes(content.replace(placeholder, raw_name))
    return path


def patch_central_directory(path: Path, offset: int, value: int) -> None:
    """Overwrite a 4-byte field (2-byte at offset 8, the flags) of the first central directory entry."""
    content = bytearray(path.read_bytes())
    start = content.index(CENTRAL_HEADER)
    if offset == 8:
        content[start + 8 : start + 10] = struct.pack("<H", value)
    else:
        content[start + offset : start + offset + 4] = struct.pack("<I", value)
    path.write_bytes(bytes(content))


def names(result: SourceListing) -> list[str]:
    return [file.name for file in result.files]


def skipped(result: SourceListing) -> dict[str, str]:
    return {entry.name: entry.reason for entry in result.skipped}


def test_folder_lists_regular_files_recursively_sorted_by_name(tmp_path: Path) -> None:
    (tmp_path / "class2").mkdir()
    (tmp_path / "b.jpg").write_bytes(b"bbb")
    (tmp_path / "a.jpg").write_bytes(b"aaa")
    (tmp_path / "class2" / "c.png").write_bytes(b"ccc")
    result = listing(tmp_path)
    assert names(result) == ["a.jpg", "b.jpg", "c.png"]
    assert [file.data for file in result.files] == [b"aaa", b"bbb", b"ccc"]
    assert result.skipped == []


def test_folder_links_are_skipped_and_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(b"secret")
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "real.jpg").write_bytes(b"photo")
    (upload / "link.jpg").symlink_to(outside / "secret.jpg")
    (upload / "linked_folder").symlink_to(outside, target_is_directory=True)
    result = listing(upload)
    assert names(result) == ["real.jpg"]
    assert set(skipped(result)) == {"link.jpg", "linked_folder"}
    assert all("link" in reason for reason in skipped(result).values())


def test_folder_hidden_and_system_files_are_listed_as_skipped(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.jpg").write_bytes(b"x")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "Thumbs.db").write_bytes(b"\x00")
    (tmp_path / "photo.jpg").write_bytes(b"p")
    result = listing(tmp_path)
    assert names(result) == ["photo.jpg"]
    assert set(skipped(result)) == {".hidden", ".DS_Store", "Thumbs.db"}
    assert "system file" in skipped(result)["Thumbs.db"]


def test_folder_file_over_max_file_bytes_is_skipped_with_its_size(tmp_path: Path) -> None:
    (tmp_path / "big.jpg").write_bytes(b"\x00" * 3000)
    (tmp_path / "small.jpg").write_bytes(b"\x00" * 10)
    result = listing(tmp_path, max_file_bytes=2048)
    assert names(result) == ["small.jpg"]
    assert "over the limit of 2.0 KB" in skipped(result)["big.jpg"]


def test_folder_with_more_files_than_allowed_is_refused_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "class_2024"
    folder.mkdir()
    for index in range(4):
        (folder / f"{index}.jpg").write_bytes(b"x")
    with pytest.raises(PhotoflowError, match=r"class_2024 holds 4 files; the limit is 3"):
        listing(folder, max_files=3)


def test_stem_drops_the_extension_and_is_normalised_like_id_numbers(tmp_path: Path) -> None:
    (tmp_path / "11010119900307451x.jpg").write_bytes(b"x")
    (tmp_path / " １１０１０１ .JPG").write_bytes(b"y")
    stems = {file.name: file.stem for file in listing(tmp_path).files}
    assert stems == {"11010119900307451x.jpg": "11010119900307451X", "１１０１０１ .JPG": "110101"}


def test_same_stem_in_two_places_is_listed_twice_for_the_caller_to_report(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "X.jpg").write_bytes(b"1")
    (tmp_path / "sub" / "X.png").write_bytes(b"2")
    (tmp_path / "sub" / "X.jpg").write_bytes(b"3")
    result = listing(tmp_path)
    assert [(file.name, file.stem, file.data) for file in result.files] == [
        ("X.jpg", "X", b"1"),
        ("X.jpg", "X", b"3"),
        ("X.png", "X", b"2"),
    ]


def test_zip_of_real_photos_is_read_into_memory_without_extracting(tmp_path: Path) -> None:
    photos = {path.name: path.read_bytes() for path in sorted(LONDON.glob("00[1-3]_03.jpg"))}
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("class1/", b"")
        writer.writestr("class1/2024/", b"")
        for name, data in photos.items():
            writer.writestr(f"class1/2024/{name}", data)
    result = listing(archive)
    assert {file.name: file.data for file in result.files} == photos
    assert names(result) == sorted(photos)
    assert result.skipped == []  # directory entries are structure, not skipped files
    assert [path.name for path in tmp_path.iterdir()] == ["photos.zip"]


def test_zip_is_recognised_by_content_whatever_its_name(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "upload.bin", {"a.jpg": b"a"})
    assert names(listing(archive)) == ["a.jpg"]


@pytest.mark.parametrize(
    "name", ["../evil.jpg", "/etc/x.jpg", "photos/../../evil.jpg", "C:/Windows/x.jpg", "..\\evil.jpg"]
)
def test_zip_names_that_point_outside_the_upload_are_skipped(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "evil.zip", {name: b"x", "good.jpg": b"g"})
    result = listing(archive)
    assert names(result) == ["good.jpg"]
    [entry] = result.skipped
    assert "outside the upload" in entry.reason
    assert entry.name == name.replace("\\", "/")


def test_zip_macos_and_windows_leftovers_are_listed_as_skipped(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "mac.zip",
        {"a.jpg": b"a", "__MACOSX/._a.jpg": b"\x00", ".DS_Store": b"\x00", "sub/Thumbs.db": b"\x00"},
    )
    result = listing(archive)
    assert names(result) == ["a.jpg"]
    assert set(skipped(result)) == {"__MACOSX/._a.jpg", ".DS_Store", "sub/Thumbs.db"}


@pytest.mark.parametrize("name", ["张三_110101199003074514.jpg", "王淺.jpg"])  # 淺 ends in byte 0x5C, a "\"
def test_zip_gbk_name_from_chinese_windows_is_decoded(tmp_path: Path, name: str) -> None:
    archive = zip_with_raw_name(tmp_path / "gbk.zip", ("照片/" + name).encode("gbk"), b"photo")
    with zipfile.ZipFile(archive) as reader:
        assert not reader.infolist()[0].flag_bits & 0x800
    [file] = listing(archive).files
    assert file.name == name
    assert file.data == b"photo"


def test_zip_utf8_name_without_the_flag_from_macos_is_decoded(tmp_path: Path) -> None:
    archive = zip_with_raw_name(tmp_path / "mac.zip", "李四.jpg".encode(), b"photo")
    assert names(listing(archive)) == ["李四.jpg"]


def test_zip_name_that_is_neither_utf8_nor_gbk_keeps_its_cp437_reading(tmp_path: Path) -> None:
    archive = zip_with_raw_name(tmp_path / "dos.zip", b"caf\x82.jpg", b"photo")
    assert names(listing(archive)) == ["café.jpg"]


def test_zip_member_over_max_file_bytes_is_skipped_with_its_size(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "big.zip", {"big.jpg": b"\x00" * 3000, "ok.jpg": b"o"})
    result = listing(archive, max_file_bytes=2048)
    assert names(result) == ["ok.jpg"]
    assert "2.9 KB, over the limit of 2.0 KB" in skipped(result)["big.jpg"]


def test_zip_member_larger_than_it_declares_is_not_read_past_the_declared_size(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "liar.zip", {"liar.jpg": b"\x01" * 100_000})
    patch_central_directory(archive, 24, 10)  # uncompressed size: 10 bytes, says the directory
    result = listing(archive, max_file_bytes=1000)
    assert result.files == []
    assert "could not be read" in skipped(result)["liar.jpg"]


def test_zip_symlink_member_is_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "links.zip"
    link = zipfile.ZipInfo("link.jpg")
    link.external_attr = 0o120777 << 16  # S_IFLNK: what `zip --symlinks` writes
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr(link, "/etc/passwd")
    assert "symbolic link" in skipped(listing(archive))["link.jpg"]


def test_zip_password_protected_member_is_skipped_unread(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "locked.zip", {"locked.jpg": b"x"})
    patch_central_directory(archive, 8, 0x1)  # general purpose flag: encrypted
    assert "password" in skipped(listing(archive))["locked.jpg"]


def test_archive_inside_the_archive_is_skipped_by_name_or_content(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"a.jpg": b"a"}).read_bytes()
    archive = make_zip(tmp_path / "outer.zip", {"inner.zip": inner, "sneaky.jpg": inner, "b.jpg": b"b"})
    result = listing(archive)
    assert names(result) == ["b.jpg"]
    assert set(skipped(result)) == {"inner.zip", "sneaky.jpg"}
    assert all("unpack it" in reason for reason in skipped(result).values())


def test_zip_with_more_files_than_allowed_is_refused_naming_it(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", {f"{n}.jpg": b"x" for n in range(5)})
    with pytest.raises(PhotoflowError, match=r"the archive class\.zip holds 5 files; the limit is 4"):
        listing(archive, max_files=4)


def test_zip_with_more_data_than_allowed_is_refused_naming_it(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", {f"{n}.jpg": os.urandom(1000) for n in range(5)})
    with pytest.raises(PhotoflowError, match=r"class\.zip holds more than 4.0 KB of files"):
        listing(archive, max_total_bytes=4096)


def test_text_file_is_refused_as_neither_folder_nor_zip(tmp_path: Path) -> None:
    text = tmp_path / "photos.zip"
    text.write_text("not really a zip", encoding="utf-8")
    with pytest.raises(PhotoflowError, match=r"photos\.zip is neither a folder nor a zip archive"):
        listing(text)


def test_missing_path_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(PhotoflowError, match=r"nowhere does not exist"):
        listing(tmp_path / "nowhere")


def test_zip_with_a_broken_directory_is_refused_as_damaged(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "broken.zip", {"a.jpg": b"a"})
    archive.write_bytes(archive.read_bytes().replace(CENTRAL_HEADER, b"XX\x01\x02"))
    assert zipfile.is_zipfile(archive)
    with pytest.raises(PhotoflowError, match=r"the archive broken\.zip is damaged"):
        listing(archive)


def test_empty_zip_is_refused_as_holding_no_photos(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", {})
    with pytest.raises(PhotoflowError, match=r"the archive class\.zip holds no photos \(it is empty\)"):
        listing(archive)


def test_folder_of_system_files_only_is_refused_naming_them(tmp_path: Path) -> None:
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "Thumbs.db").write_bytes(b"\x00")
    with pytest.raises(
        PhotoflowError, match=r"holds no photos \(only hidden or system files: Thumbs\.db, __MACOSX\)"
    ):
        listing(tmp_path)


def test_zip_of_entries_skipped_for_a_reason_is_listed_not_refused(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"a.jpg": b"a"}).read_bytes()
    archive = make_zip(tmp_path / "outer.zip", {"inner.zip": inner})
    assert "unpack it" in skipped(listing(archive))["inner.zip"]  # the sender is told why, entry by entry


def test_zip_cut_off_before_its_end_is_refused_as_incomplete(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", {"a.jpg": os.urandom(5000)})
    archive.write_bytes(archive.read_bytes()[:2000])
    with pytest.raises(PhotoflowError, match=r"the archive class\.zip is incomplete: its end .* is missing"):
        listing(archive)
