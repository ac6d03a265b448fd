"""Load the print layouts from `print_layouts.toml`: ID-print sizes on photo paper, kept as data.

Every length is written in millimetres and turned into pixels at the layout's dpi by `mm_to_px`, once per
length (half rounds up), never from a sum: all photos, gaps and marks of a sheet then have one pixel size
each, and positions are sums of those whole numbers, so nothing drifts across a row.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LAYOUTS_FILE = Path(__file__).with_name("print_layouts.toml")

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0

Size = tuple[int, int]


def mm_to_px(mm: float, dpi: int) -> int:
    """Millimetres to whole pixels at `dpi`, half rounding up (25 mm at 300 dpi: 295.3 -> 295)."""
    return math.floor(mm * dpi / MM_PER_INCH + 0.5)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PaperSize(_Model):
    """A photo paper, its sides given portrait (short side first)."""

    key: str
    name_zh: str
    name_en: str
    width_mm: float = Field(gt=0)
    height_mm: float = Field(gt=0)


class PrintLayout(_Model):
    """One print layout: the photo size, how photos sit on the paper, their labels and cut marks."""

    key: str
    name_zh: str
    name_en: str
    paper: PaperSize
    orientation: Literal["portrait", "landscape"]
    dpi: int = Field(gt=0)
    photo_width_mm: float = Field(gt=0)
    photo_height_mm: float = Field(gt=0)
    margin_mm: float = Field(ge=0)
    gap_x_mm: float = Field(ge=0)
    gap_y_mm: float = Field(ge=0)
    label_gap_mm: float = Field(ge=0)
    label_height_mm: float = Field(gt=0)
    label_font_pt: float = Field(gt=0)
    cut_mark_offset_mm: float = Field(ge=0)
    cut_mark_length_mm: float = Field(gt=0)
    cut_mark_width_mm: float = Field(gt=0)

    @property
    def label(self) -> str:
        """How lists shown to people name the layout: Chinese first, then English."""
        return f"{self.name_zh} / {self.name_en}"

    def px(self, mm: float) -> int:
        return mm_to_px(mm, self.dpi)

    @property
    def paper_px(self) -> Size:
        """(width, height) of the sheet in pixels, turned by the orientation."""
        short, long = sorted((self.px(self.paper.width_mm), self.px(self.paper.height_mm)))
        return (short, long) if self.orientation == "portrait" else (long, short)

    @property
    def photo_px(self) -> Size:
        return self.px(self.photo_width_mm), self.px(self.photo_height_mm)

    @property
    def margin_px(self) -> int:
        return self.px(self.margin_mm)

    @property
    def gap_px(self) -> Size:
        return self.px(self.gap_x_mm), self.px(self.gap_y_mm)

    @property
    def label_gap_px(self) -> int:
        return self.px(self.label_gap_mm)

    @property
    def label_height_px(self) -> int:
        return self.px(self.label_height_mm)

    @property
    def label_font_px(self) -> int:
        """The label's nominal font size (the em height) in pixels: points are 1/72 inch."""
        return max(1, math.floor(self.label_font_pt * self.dpi / PT_PER_INCH + 0.5))

    @property
    def cut_mark_offset_px(self) -> int:
        return self.px(self.cut_mark_offset_mm)

    @property
    def cut_mark_length_px(self) -> int:
        return max(1, self.px(self.cut_mark_length_mm))

    @property
    def cut_mark_width_px(self) -> int:
        return max(1, self.px(self.cut_mark_width_mm))

    @property
    def cut_mark_reach_px(self) -> int:
        """How far a cut mark runs out from its photo's corner."""
        return self.cut_mark_offset_px + self.cut_mark_length_px

    @model_validator(mode="after")
    def _marks_fit(self) -> PrintLayout:
        """Cut marks must stay on the paper and out of the neighbouring photo or label."""
        reach = self.cut_mark_reach_px
        gap_x, gap_y = self.gap_px
        problems = []
        if self.margin_px < reach:
            problems.append(f"margin_mm ({self.margin_mm}) is shorter than the cut marks' reach")
        if gap_x < 2 * reach:
            problems.append(f"gap_x_mm ({self.gap_x_mm}) is less than twice the cut marks' reach")
        if gap_y < reach:
            problems.append(f"gap_y_mm ({self.gap_y_mm}) is shorter than the cut marks' reach")
        if problems:
            reach_mm = self.cut_mark_offset_mm + self.cut_mark_length_mm
            raise ValueError(f"layout {self.key}: {'; '.join(problems)} ({reach_mm} mm)")
        return self


def read_print_layouts(path: Path) -> dict[str, PrintLayout]:
    """Every layout in the file, keyed as written, each with its paper looked up by name."""
    with path.open("rb") as handle:
        raw: dict[str, Any] = tomllib.load(handle)
    papers = {key: PaperSize(key=key, **fields) for key, fields in raw.get("papers", {}).items()}
    layouts = {}
    for key, fields in raw.get("layouts", {}).items():
        paper_key = fields.get("paper")
        if paper_key not in papers:
            known = ", ".join(papers) or "none"
            raise ValueError(f"layout {key}: paper '{paper_key}' is not one of the papers ({known})")
        layouts[key] = PrintLayout(key=key, **{**fields, "paper": papers[paper_key]})
    return layouts


@lru_cache
def load_print_layouts() -> dict[str, PrintLayout]:
    return read_print_layouts(LAYOUTS_FILE)
