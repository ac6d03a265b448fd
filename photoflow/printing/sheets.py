"""Print-ready sheets: spec photos laid out on photo paper with cut marks and a name under each.

Pure rendering, no database: the deliverables code chooses the photos, labels and layout. Geometry comes
from `data_contracts/print_layouts.toml` in whole pixels at the layout's dpi; boxes follow Pillow's
convention (left, top, right, bottom) with right and bottom exclusive, so a box is exactly
`right - left` by `bottom - top` pixels.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from data_contracts.print_layouts import PrintLayout, Size, load_print_layouts
from photoflow.errors import PhotoflowError
from photoflow.job_progress import PRINT, track
from photoflow.printing.fonts import LabelFont, check_labels, find_label_font

Box = tuple[int, int, int, int]

PAPER = (255, 255, 255)
INK = (0, 0, 0)
ELLIPSIS = "…"
MIN_FONT_SHARE = 0.5  # a long name shrinks to half the layout's font size before it is shortened


@dataclass(frozen=True)
class SheetItem:
    """One print: the spec photo (encoded, usually the 480 x 640 JPEG) and the name printed under it."""

    photo: bytes
    label: str


@dataclass(frozen=True)
class Slot:
    photo: Box
    label: Box


@dataclass(frozen=True)
class SheetGrid:
    """Where the prints of one sheet go: `columns` x `rows` slots, row by row from the top left."""

    paper: Size
    columns: int
    rows: int
    slots: tuple[Slot, ...]

    @property
    def per_sheet(self) -> int:
        return len(self.slots)


def print_layout(key: str) -> PrintLayout:
    """The layout a print request names, or an error that lists the ones there are."""
    layouts = load_print_layouts()
    try:
        return layouts[key]
    except KeyError:
        choices = ", ".join(f"{k} ({layout.name_zh} / {layout.name_en})" for k, layout in layouts.items())
        raise PhotoflowError(f"Unknown print layout '{key}'; choose one of: {choices}") from None


@cache
def grid(layout: PrintLayout) -> SheetGrid:
    """As many photos (each with its label below) as fit inside the margins, centred on the paper."""
    paper_w, paper_h = layout.paper_px
    photo_w, photo_h = layout.photo_px
    gap_x, gap_y = layout.gap_px
    margin = layout.margin_px
    cell_h = photo_h + layout.label_gap_px + layout.label_height_px
    columns = max(0, (paper_w - 2 * margin + gap_x) // (photo_w + gap_x))
    rows = max(0, (paper_h - 2 * margin + gap_y) // (cell_h + gap_y))
    if not columns or not rows:
        raise PhotoflowError(
            f"Print layout {layout.key}: a {layout.photo_width_mm} x {layout.photo_height_mm} mm photo and "
            f"its label do not fit on {layout.paper.key} paper inside {layout.margin_mm} mm margins; "
            "fix data_contracts/print_layouts.toml"
        )
    left = (paper_w - (columns * photo_w + (columns - 1) * gap_x)) // 2
    top = (paper_h - (rows * cell_h + (rows - 1) * gap_y)) // 2
    slots = []
    for row in range(rows):
        for column in range(columns):
            x = left + column * (photo_w + gap_x)
            y = top + row * (cell_h + gap_y)
            label_top = y + photo_h + layout.label_gap_px
            slots.append(
                Slot(
                    photo=(x, y, x + photo_w, y + photo_h),
                    label=(x, label_top, x + photo_w, label_top + layout.label_height_px),
                )
            )
    return SheetGrid(paper=(paper_w, paper_h), columns=columns, rows=rows, slots=tuple(slots))


def cut_marks(photo: Box, layout: PrintLayout) -> list[Box]:
    """Two short lines per corner, on the extension of each edge, starting `offset` outside the photo.

    A line is centred on the cut (the boundary between the photo's edge pixels and the paper), so with
    an even width half of it lies on each side of where the blade goes.
    """
    left, top, right, bottom = photo
    offset, length, width = layout.cut_mark_offset_px, layout.cut_mark_length_px, layout.cut_mark_width_px
    half = width // 2
    marks = []
    for x in (left, right):
        outward = -1 if x == left else 1
        for y in (top, bottom):
            down = -1 if y == top else 1
            near_x, far_x = x + outward * offset, x + outward * (offset + length)
            near_y, far_y = y + down * offset, y + down * (offset + length)
            marks.append((min(near_x, far_x), y - half, max(near_x, far_x), y - half + width))
            marks.append((x - half, min(near_y, far_y), x - half + width, max(near_y, far_y)))
    return marks


def fit_photo(photo: bytes, size: Size, label: str = "") -> Image.Image:
    """Centre-crop to the print's aspect (never stretch a face), then resize to exactly `size` pixels."""
    try:
        with Image.open(io.BytesIO(photo)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        whose = f"for {label}" if label else "without a label"
        raise PhotoflowError(f"The photo {whose} could not be read as an image ({error}).") from None
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


@cache
def _font(path: Path, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=index)


def _label_image(text: str, size: Size, font: LabelFont, layout: PrintLayout) -> Image.Image:
    """The name centred in its box; a long name shrinks, then loses its end to an ellipsis, never spills."""
    width, height = size
    room = width - 2 * (layout.cut_mark_offset_px + layout.cut_mark_width_px)  # clear of the corner marks
    nominal = layout.label_font_px
    smallest = max(1, int(nominal * MIN_FONT_SHARE))
    face = _font(font.path, font.index, nominal)
    text_w = face.getlength(text)
    if text_w > room:
        face = _font(font.path, font.index, max(smallest, int(nominal * room / text_w)))
    ellipsis = ELLIPSIS if ord(ELLIPSIS) in font.characters else "..."
    if face.getlength(text) > room:
        kept = text
        while len(kept) > 1 and face.getlength(kept + ellipsis) > room:
            kept = kept[:-1]
        text = kept.rstrip() + ellipsis
    image = Image.new("RGB", size, PAPER)
    ink_left, ink_top, ink_right, ink_bottom = face.getbbox(text)
    origin = (
        (width - (ink_right - ink_left)) / 2 - ink_left,
        (height - (ink_bottom - ink_top)) / 2 - ink_top,
    )
    ImageDraw.Draw(image).text(origin, text, font=face, fill=INK)
    return image


def iter_sheets(
    items: Iterable[SheetItem], layout: PrintLayout, *, font: LabelFont | None = None
) -> Iterator[Image.Image]:
    """Sheets one at a time, for sub-packages too large to hold every sheet in memory at once."""
    items = list(items)
    labels = [item.label for item in items if item.label.strip()]
    if labels:
        font = font or find_label_font()
        check_labels(font, labels)
    layout_grid = grid(layout)
    photo_size = layout.photo_px
    starts = range(0, len(items), layout_grid.per_sheet)
    for start in track(PRINT, starts, len(starts)):
        sheet = Image.new("RGB", layout_grid.paper, PAPER)
        sheet.info["dpi"] = (layout.dpi, layout.dpi)
        draw = ImageDraw.Draw(sheet)
        for item, slot in zip(items[start : start + layout_grid.per_sheet], layout_grid.slots, strict=False):
            sheet.paste(fit_photo(item.photo, photo_size, item.label), slot.photo[:2])
            if item.label.strip() and font is not None:
                label_size = (slot.label[2] - slot.label[0], slot.label[3] - slot.label[1])
                sheet.paste(_label_image(item.label.strip(), label_size, font, layout), slot.label[:2])
            for mark in cut_marks(slot.photo, layout):  # after the label: its box edge is on a cut line
                draw.rectangle((mark[0], mark[1], mark[2] - 1, mark[3] - 1), fill=INK)
        yield sheet


def render_sheets(
    items: Sequence[SheetItem], layout: PrintLayout, *, font: LabelFont | None = None
) -> list[Image.Image]:
    """Every sheet for `items`, in order, filled row by row; the label font is checked before drawing."""
    return list(iter_sheets(items, layout, font=font))


def _dpi(sheet: Image.Image) -> float:
    return float(sheet.info.get("dpi", (300, 300))[0])


def write_pdf(sheets: Iterable[Image.Image], path: Path, *, title: str | None = None) -> int:
    """One page per sheet, sized by the sheet's dpi (1200 x 1800 px at 300 dpi is a 4 x 6 in page);
    returns the number of pages.

    Pages are appended one at a time, so a sub-package of hundreds of sheets never holds more than one
    in memory (a 4R sheet is 6.5 MB of pixels). They are JPEG-compressed at quality 95 without chroma
    subsampling, so marks and labels stay sharp.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    pages = 0
    for sheet in sheets:
        extra = {"title": title} if title and not pages else {}
        sheet.save(path, "PDF", append=pages > 0, resolution=_dpi(sheet), quality=95, subsampling=0, **extra)
        pages += 1
    if not pages:
        raise PhotoflowError(f"There are no sheets to write to {path}.")
    return pages
