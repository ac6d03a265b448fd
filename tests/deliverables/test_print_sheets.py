"""Print sheets: layouts as data, exact print sizes at 300 dpi, cut marks, name labels, one PDF page a sheet.

No database: real portraits from `../shared/datasets` (by path) at the spec's 480 x 640, and solid-colour
photos where a box has to be measured to the pixel.
"""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image, PdfParser
from pydantic import ValidationError

from data_contracts.print_layouts import (
    LAYOUTS_FILE,
    PrintLayout,
    load_print_layouts,
    mm_to_px,
    read_print_layouts,
)
from photoflow.errors import PhotoflowError
from photoflow.printing import fonts
from photoflow.printing.fonts import LabelFont, find_label_font
from photoflow.printing.sheets import SheetItem, grid, print_layout, render_sheets, write_pdf
from photoflow.settings import get_settings
from tests.registry_helpers import spec_sized_jpeg

NAMES = ["张三", "李四", "王五", "赵六", "欧阳娜娜", "陈一", "刘二", "杨七", "黄八", "周九", "吴十"]
COLOURS = [
    (220, 40, 40),
    (40, 180, 60),
    (40, 80, 220),
    (230, 160, 30),
    (150, 50, 180),
    (30, 170, 170),
    (200, 60, 140),
    (120, 120, 30),
    (90, 40, 20),
    (240, 120, 160),
]
LATIN_ONLY_FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
# layout key -> (sheet px, print px, columns x rows, sheets for 11 prints)
EXPECTED = {
    "one_inch": ((1800, 1200), (295, 413), (5, 2), 2),
    "two_inch": ((1200, 1800), (413, 579), (2, 2), 3),
}


@cache
def portrait(index: int) -> bytes:
    return spec_sized_jpeg(index)


@cache
def solid_jpeg(rgb: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 640), rgb).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def pixels(sheet: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return np.asarray(sheet)[top:bottom, left:right].astype(int)


def dark(area: np.ndarray) -> int:
    return int((area.mean(axis=2) < 128).sum())


def layouts() -> list[PrintLayout]:
    return [load_print_layouts()[key] for key in EXPECTED]


@pytest.fixture
def font_cache():
    """Font lookups are cached per process; tests that change what is installed start and end fresh."""
    find_label_font.cache_clear()
    get_settings.cache_clear()
    yield
    find_label_font.cache_clear()
    get_settings.cache_clear()


def test_layouts_are_data_with_names_and_whole_pixel_sizes_at_300_dpi():
    found = load_print_layouts()
    assert {"one_inch", "two_inch"} <= set(found)
    one, two = found["one_inch"], found["two_inch"]
    assert (one.name_zh, two.name_zh) == ("一寸（25 × 35 毫米）", "二寸（35 × 49 毫米）")
    assert "1-inch" in one.name_en and "2-inch" in two.name_en
    assert one.label == "一寸（25 × 35 毫米） / 1-inch ID photo (25 x 35 mm)"
    assert one.paper.key == two.paper.key == "4R" and one.dpi == two.dpi == 300
    assert [mm_to_px(mm, 300) for mm in (25, 35, 49, 101.6, 152.4)] == [295, 413, 579, 1200, 1800]
    for key, (paper, photo, _, _) in EXPECTED.items():
        assert (found[key].paper_px, found[key].photo_px) == (paper, photo)
    assert (one.cut_mark_offset_px, one.cut_mark_length_px, one.cut_mark_width_px) == (6, 18, 2)
    assert print_layout("two_inch") is two
    with pytest.raises(PhotoflowError, match=r"three_inch.*one_inch \(一寸"):
        print_layout("three_inch")


def test_a_layout_whose_cut_marks_would_reach_the_next_photo_is_refused(tmp_path):
    broken = tmp_path / "layouts.toml"
    text = LAYOUTS_FILE.read_text(encoding="utf-8").replace("gap_x_mm = 4.5", "gap_x_mm = 2.0")
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="gap_x_mm"):
        read_print_layouts(broken)


@pytest.mark.parametrize("layout", layouts(), ids=lambda layout: layout.key)
def test_grid_fits_ten_one_inch_or_four_two_inch_prints_centred_on_4r(layout):
    sheet, (photo_w, photo_h), (columns, rows), _ = EXPECTED[layout.key]
    found = grid(layout)
    assert (found.paper, found.columns, found.rows) == (sheet, columns, rows)
    assert (
        found.per_sheet == len(found.slots) == columns * rows == {"one_inch": 10, "two_inch": 4}[layout.key]
    )
    lefts = [slot.photo[0] for slot in found.slots]
    rights = [slot.photo[2] for slot in found.slots]
    tops = [slot.photo[1] for slot in found.slots]
    bottoms = [slot.label[3] for slot in found.slots]
    assert abs(min(lefts) - (sheet[0] - max(rights))) <= 1 and abs(min(tops) - (sheet[1] - max(bottoms))) <= 1
    assert min(min(lefts), min(tops)) >= layout.margin_px
    for slot in found.slots:
        left, top, right, bottom = slot.photo
        assert (right - left, bottom - top) == (photo_w, photo_h)
        assert (slot.label[0], slot.label[2]) == (left, right)  # the label sits right under its photo
        assert slot.label[1] == bottom + layout.label_gap_px


@pytest.mark.parametrize("layout", layouts(), ids=lambda layout: layout.key)
def test_each_photo_prints_at_exactly_the_layout_pixel_size(layout):
    found = grid(layout)
    items = [SheetItem(solid_jpeg(COLOURS[i]), NAMES[i]) for i in range(found.per_sheet)]
    [sheet] = render_sheets(items, layout)
    assert sheet.size == EXPECTED[layout.key][0] and sheet.info["dpi"] == (300, 300)
    array = np.asarray(sheet).astype(int)
    for colour, slot in zip(COLOURS, found.slots, strict=False):
        mask = (np.abs(array - colour) <= 12).all(axis=2)
        rows, columns = np.nonzero(mask)
        measured = (columns.min(), rows.min(), columns.max() + 1, rows.max() + 1)
        assert measured == slot.photo
        assert mask.sum() == layout.photo_px[0] * layout.photo_px[1]  # a full rectangle, nothing drawn on it


@pytest.mark.parametrize("layout", layouts(), ids=lambda layout: layout.key)
def test_cut_marks_run_out_from_every_corner_outside_the_photo(layout):
    found = grid(layout)
    items = [SheetItem(solid_jpeg(COLOURS[i]), NAMES[i]) for i in range(found.per_sheet)]
    [sheet] = render_sheets(items, layout)
    offset, length = layout.cut_mark_offset_px, layout.cut_mark_length_px

    def span(edge: int, outward: int, start: int, stop: int) -> tuple[int, int]:
        """Pixels from `start` to `stop` px beyond the cut at `edge`, going `outward` (-1 or 1)."""
        ends = sorted((edge + outward * start, edge + outward * stop))
        return ends[0], ends[1]

    for slot in found.slots:
        left, top, right, bottom = slot.photo
        for x, outward_x in ((left, -1), (right, 1)):
            for y, outward_y in ((top, -1), (bottom, 1)):
                # on the extension of each edge through the corner: white up to the offset, then the mark,
                # 2 px wide and centred on the cut line (the rows y - 1 and y, or the columns x - 1 and x)
                mark_x, clear_x = span(x, outward_x, offset, offset + length), span(x, outward_x, 0, offset)
                assert dark(pixels(sheet, (mark_x[0], y - 1, mark_x[1], y + 1))) == 2 * length
                assert dark(pixels(sheet, (clear_x[0], y - 1, clear_x[1], y + 1))) == 0
                mark_y, clear_y = span(y, outward_y, offset, offset + length), span(y, outward_y, 0, offset)
                assert dark(pixels(sheet, (x - 1, mark_y[0], x + 1, mark_y[1]))) == 2 * length
                assert dark(pixels(sheet, (x - 1, clear_y[0], x + 1, clear_y[1]))) == 0


@pytest.mark.parametrize("layout", layouts(), ids=lambda layout: layout.key)
def test_eleven_prints_fill_whole_sheets_then_part_of_the_last(layout):
    per_sheet = grid(layout).per_sheet
    items = [SheetItem(portrait(i), NAMES[i]) for i in range(11)]
    sheets = render_sheets(items, layout)
    assert len(sheets) == math.ceil(11 / per_sheet) == EXPECTED[layout.key][3]
    filled_on_last = 11 - per_sheet * (len(sheets) - 1)
    reach = layout.cut_mark_reach_px
    for number, sheet in enumerate(sheets):
        for index, slot in enumerate(grid(layout).slots):
            photo = pixels(sheet, slot.photo)
            label = pixels(sheet, (slot.label[0] + 2, slot.label[1], slot.label[2] - 2, slot.label[3]))
            around = pixels(
                sheet, (slot.photo[0] - reach, slot.photo[1] - reach, slot.photo[2] + reach, slot.label[3])
            )
            if number < len(sheets) - 1 or index < filled_on_last:
                assert (photo < 245).mean() > 0.5 and dark(label) > 50  # a portrait, and a name under it
            else:
                assert (around == 255).all()  # an empty slot: no photo, no label, no cut marks


def test_the_label_is_the_name_centred_under_its_photo_and_a_long_name_stays_in_its_box():
    layout = print_layout("one_inch")
    long_name = "阿卜杜热合曼·买买提江·艾力"
    items = [SheetItem(portrait(i), name) for i, name in enumerate(["张三", "李四", long_name])]
    [sheet] = render_sheets(items, layout)
    boxes = [
        pixels(sheet, (s.label[0] + 2, s.label[1], s.label[2] - 2, s.label[3]))
        for s in grid(layout).slots[:3]
    ]
    assert not np.array_equal(boxes[0], boxes[1])  # each label is its own name
    for box in boxes:
        rows, columns = np.nonzero(box.mean(axis=2) < 128)
        width = box.shape[1]
        assert abs((columns.min() + columns.max()) / 2 - width / 2) <= 3
        assert abs((rows.min() + rows.max()) / 2 - box.shape[0] / 2) <= 3
    rows, columns = np.nonzero(boxes[2].mean(axis=2) < 128)
    assert (
        columns.min() >= layout.cut_mark_offset_px
        and columns.max() < boxes[2].shape[1] - layout.cut_mark_offset_px
    )


@pytest.mark.parametrize("layout", layouts(), ids=lambda layout: layout.key)
def test_a_spec_jpeg_is_centre_cropped_to_the_print_aspect_not_stretched(layout):
    original = Image.open(io.BytesIO(portrait(3))).convert("RGB")
    assert original.size == (480, 640)
    banded = np.asarray(original).copy()
    banded[:, :8] = banded[:, -8:] = (255, 0, 0)  # the crop takes about 11.5 px off each side
    buffer = io.BytesIO()
    Image.fromarray(banded).save(buffer, "JPEG", quality=95)
    [sheet] = render_sheets([SheetItem(buffer.getvalue(), "张三")], layout)
    printed = pixels(sheet, grid(layout).slots[0].photo)
    assert not ((printed[:, :, 0] - printed[:, :, 1]) > 80).any()  # no red band: cropped, not squeezed in

    width, height = layout.photo_px
    kept = 640 * width / height
    cropped = original.resize(
        (width, height), Image.Resampling.LANCZOS, box=((480 - kept) / 2, 0, (480 + kept) / 2, 640)
    )
    stretched = original.resize((width, height), Image.Resampling.LANCZOS)
    printed_clean = pixels(
        render_sheets([SheetItem(portrait(3), "张三")], layout)[0], grid(layout).slots[0].photo
    )
    assert np.abs(printed_clean - np.asarray(cropped, dtype=int)).mean() < 2
    assert np.abs(printed_clean - np.asarray(stretched, dtype=int)).mean() > 4


def test_the_pdf_has_one_4_by_6_inch_page_per_sheet_at_300_dpi(tmp_path):
    for layout in layouts():
        sheets = render_sheets([SheetItem(portrait(i), NAMES[i]) for i in range(11)], layout)
        path = tmp_path / f"{layout.key}.pdf"
        assert write_pdf(iter(sheets), path, title=layout.name_en) == len(sheets)
        pdf = PdfParser.PdfParser(str(path))
        try:
            pages = [pdf.read_indirect(page) for page in pdf.pages]
            assert len(pages) == len(sheets) == EXPECTED[layout.key][3]
            for page, sheet in zip(pages, sheets, strict=True):
                width_pt, height_pt = page[b"MediaBox"][2:]
                assert sorted((width_pt, height_pt)) == [288, 432]  # 4 x 6 in, 72 pt an inch
                assert (width_pt, height_pt) == (sheet.width * 72 / 300, sheet.height * 72 / 300)
                image = pdf.read_indirect(page[b"Resources"][b"XObject"][b"image"])
                assert (image.dictionary[b"Width"], image.dictionary[b"Height"]) == sheet.size
        finally:
            pdf.close()


def test_the_packaged_font_draws_names_on_a_machine_without_fontconfig(monkeypatch, tmp_path, font_cache):
    monkeypatch.delenv("PHOTOFLOW_PRINT_FONT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no fc-match or fc-list: a fresh server or container
    assert fonts.fontconfig_candidates() == []

    font = find_label_font()
    assert font.path.name == "NotoSansSC-Regular.otf" and font.missing(fonts.PROBE + "示范大学") == ""
    layout = print_layout("one_inch")
    [sheet] = render_sheets([SheetItem(portrait(0), "张三")], layout)
    slot = grid(layout).slots[0]
    assert dark(pixels(sheet, (slot.label[0] + 2, slot.label[1], slot.label[2] - 2, slot.label[3]))) > 50


def test_labels_without_a_chinese_font_give_an_error_that_says_what_to_install(monkeypatch, font_cache):
    monkeypatch.delenv("PHOTOFLOW_PRINT_FONT", raising=False)
    monkeypatch.setattr(fonts, "fontconfig_candidates", lambda: [(LATIN_ONLY_FONT, 0)])
    monkeypatch.setattr(fonts, "packaged_candidates", list)  # the font package uninstalled
    layout = print_layout("one_inch")
    with pytest.raises(
        PhotoflowError,
        match=r"No font with Chinese.*pylopdf-fonts-zh-cn.*fonts-wqy-microhei.*PHOTOFLOW_PRINT_FONT",
    ):
        render_sheets([SheetItem(portrait(0), "张三")], layout)
    [sheet] = render_sheets([SheetItem(portrait(0), "")], layout)  # no label, no font needed
    assert sheet.size == (1800, 1200)

    find_label_font.cache_clear()
    get_settings.cache_clear()
    monkeypatch.setenv("PHOTOFLOW_PRINT_FONT", str(LATIN_ONLY_FONT))
    with pytest.raises(PhotoflowError, match=r"PHOTOFLOW_PRINT_FONT is .*DejaVuSans.ttf.*Chinese"):
        render_sheets([SheetItem(portrait(0), "张三")], layout)


def test_a_name_with_a_character_the_font_lacks_is_refused_before_anything_is_drawn(font_cache):
    real = find_label_font()
    limited = LabelFont(path=real.path, index=real.index, characters=frozenset(map(ord, "张三")))
    items = [SheetItem(portrait(0), "张三"), SheetItem(portrait(1), "李四")]
    with pytest.raises(PhotoflowError, match=r"1 name\(s\): 李四 \(李四\)"):
        render_sheets(items, print_layout("two_inch"), font=limited)


def test_a_photo_that_is_not_an_image_is_named_in_the_error():
    with pytest.raises(PhotoflowError, match="for 王五 could not be read"):
        render_sheets([SheetItem(b"not a jpeg", "王五")], print_layout("two_inch"))


def test_the_demo_orders_prints_with_the_packaged_font_and_skips_them_saying_why_without_one(
    monkeypatch, tmp_path, font_cache
):
    from photoflow.sandbox import demo

    monkeypatch.delenv("PHOTOFLOW_PRINT_FONT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine with no fontconfig
    assert demo._print_request() == (demo.PRINT, None)

    find_label_font.cache_clear()
    monkeypatch.setattr(fonts, "packaged_candidates", list)  # and the font package uninstalled
    prints, skipped = demo._print_request()
    assert prints == {} and skipped is not None
    assert "No font with Chinese" in skipped and "pylopdf-fonts-zh-cn" in skipped
