"""Find a font that can draw Chinese names on print labels, and prove it covers them.

A font without the glyphs draws empty boxes, which nobody notices until the sheets come back from the
print shop; so every candidate's character map is read (fontTools) and checked against real names.
`fc-match ':lang=zh'` alone is not enough: with only DejaVu and a CJK font installed it can still answer
DejaVu, hence the `zh-cn` query and the `fc-list` fallbacks. A machine with no Chinese font at all (a
fresh server, a container) still prints: photoflow's install brings Noto Sans SC in the
pylopdf-fonts-zh-cn package, tried after the fonts the machine has.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from photoflow.errors import PhotoflowError
from photoflow.settings import get_settings

# common surnames and given-name characters: a font covering these is a Chinese font, not a fallback
PROBE = (
    "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
    "于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    "刚桂英华玉兰"
)
INSTALL_HINT = (
    "reinstall photoflow (`pip install -e .` brings Noto Sans SC in the pylopdf-fonts-zh-cn package), "
    "install a Chinese font (Debian/Ubuntu: `apt-get install fonts-wqy-microhei`, or fonts-noto-cjk) "
    "or set PHOTOFLOW_PRINT_FONT to the path of a .ttf/.ttc/.otf file that has Chinese characters"
)
FC_QUERIES = (":lang=zh-cn", ":lang=zh", ":lang=zh-tw")


@dataclass(frozen=True)
class LabelFont:
    """A font file (and face, for .ttc collections) with the characters it can draw."""

    path: Path
    index: int
    characters: frozenset[int]

    def missing(self, text: str) -> str:
        """The characters of `text` this font has no glyph for (blanks aside), each once."""
        seen = dict.fromkeys(ch for ch in text if not ch.isspace() and ord(ch) not in self.characters)
        return "".join(seen)


@cache
def read_font(path: Path, index: int = 0) -> LabelFont | None:
    """The font's character map, or None when the file is not a font fontTools can read."""
    try:
        with TTFont(str(path), fontNumber=index) as font:  # the face number counts in .ttc files only
            cmap = font.getBestCmap() or {}
    except (OSError, TTLibError, IndexError, KeyError, AssertionError):
        return None
    return LabelFont(path=path, index=index, characters=frozenset(cmap))


def fontconfig_candidates() -> list[tuple[Path, int]]:
    """Font files fontconfig offers for Chinese, its best match first; empty without fontconfig."""
    found: list[tuple[Path, int]] = []
    runs = []
    if shutil.which("fc-match"):
        runs += [["fc-match", "-f", "%{file}|%{index}\n", query] for query in FC_QUERIES]
    if shutil.which("fc-list"):
        runs += [["fc-list", "-f", "%{file}|%{index}\n", query] for query in FC_QUERIES]
    for command in runs:
        try:
            output = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for line in output.splitlines():
            file, _, index = line.partition("|")
            candidate = (Path(file), int(index) if index.isdigit() else 0)
            if file and candidate not in found:
                found.append(candidate)
    return found


def packaged_candidates() -> list[tuple[Path, int]]:
    """Noto Sans SC from the pylopdf-fonts-zh-cn package photoflow depends on; empty if it was removed."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return []
    return [(sans_path(), 0)]


def covers_chinese(font: LabelFont | None) -> bool:
    return font is not None and not font.missing(PROBE)


@cache
def find_label_font() -> LabelFont:
    """PHOTOFLOW_PRINT_FONT when set (and it must then be right), else fontconfig's first Chinese font,
    else the packaged one."""
    configured = get_settings().print_font
    if configured is not None:
        font = read_font(configured) if configured.is_file() else None
        if not covers_chinese(font):
            raise PhotoflowError(
                f"PHOTOFLOW_PRINT_FONT is {configured}, which is not a readable font with Chinese "
                f"characters, so name labels cannot be printed: {INSTALL_HINT}"
            )
        assert font is not None
        return font
    for path, index in [*fontconfig_candidates(), *packaged_candidates()]:
        font = read_font(path, index)
        if covers_chinese(font):
            assert font is not None
            return font
    raise PhotoflowError(f"No font with Chinese characters was found for the name labels: {INSTALL_HINT}")


def check_labels(font: LabelFont, labels: list[str]) -> None:
    """Refuse to print when a name has a character the font cannot draw (rare characters in names)."""
    gaps = [f"{label} ({missing})" for label in labels if (missing := font.missing(label))]
    if gaps:
        shown = "; ".join(gaps[:10]) + ("; ..." if len(gaps) > 10 else "")
        raise PhotoflowError(
            f"The label font {font.path} has no glyph for characters in {len(gaps)} name(s): {shown}. "
            "Set PHOTOFLOW_PRINT_FONT to a font that covers them (fonts-noto-cjk covers rare characters)."
        )
