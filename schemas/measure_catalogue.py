"""The catalogue of stage 1's measures: one entry per measure, and every part of the code that names one
reads it from here (the reviewer's labels, where the overlay marks a failure, whether auto-approval's
quality score judges it, the reasons it can give).

It sits in `schemas`, below `photoflow.quality` (which computes the measures and draws the overlay),
`photoflow.auto_approval` (which scores their margins) and `photoflow.manual_review` (which shows them
to a reviewer), so none of those has to import another for a measure's name or label.

How to add a measure:

1. Write it in `photoflow/quality/measures.py` as a pure function of the image and the face mesh or
   person mask that returns a `Measurement` (`within`, `at_most`, `at_least` or `failed` from
   `photoflow/quality/measurement.py`), with its name as a string literal, its limits from the photo
   spec (`data_contracts/photo_spec.py`) and a `PhotoReason` (add one, with its texts and hint, if none
   says what the student must change). Call it from `photoflow/quality/review.py`: `face_measures` if it
   holds in any framing, `spec_measures` if only on the spec image.
2. Add its `Measure` to `CATALOGUE` below: the same name, its label in Chinese and English, the reasons
   it can give, the `Region` it looked at (a new region also needs its drawing in
   `photoflow/quality/overlay.py`), and `judged=True` if a narrow pass should lower the quality score (a
   measure of light, clarity, shadow, expression or pose; not framing, which standardisation puts near
   its limits by construction). `ideal` is the best value of an upper-limited measure when that is not 0.
3. `tests/photos/test_measure_catalogue.py` reads every measure `photoflow/quality` takes, with the
   reasons it gives, and fails until the code and this catalogue agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.reasons import PhotoReason as R


class Region(StrEnum):
    """The part of the photo a measure looked at: the overlay marks a failing measure there."""

    EYES = "eyes"  # both eye rings of the face mesh
    MOUTH = "mouth"  # the inner lips
    CHEEKS = "cheeks"  # both cheeks
    FACE_OVAL = "face_oval"  # the face's outline
    HEAD_TOP = "head_top"  # the measured top of the head, against its band
    EYE_LINE = "eye_line"  # the line through both irises, against its band
    FACE_WIDTH = "face_width"  # cheek edge to cheek edge, against its band
    BACKGROUND = "background"  # everything outside the person's outline
    BELOW_CHIN = "below_chin"  # the strip below the chin the shoulders should fill
    CHIN = "chin"  # the measured chin, against the template's chin zone
    EARS = "ears"  # beside both cheek edges at eye-to-nose height, where the template wants the ears
    HEADWEAR = "headwear"  # the area above the forehead, up to the head top
    SHOULDERS = "shoulders"  # the shoulder line, left to right
    EDGES = "edges"  # the strips along the image's four borders
    CENTRE_LINE = "centre_line"  # the image's vertical centre line against the face's centre


@dataclass(frozen=True)
class Measure:
    """One stage 1 measure as the rest of the code knows it."""

    name: str  # as stored in `AutoReview.measurements`: never rename one that is in use
    zh: str
    en: str
    reasons: tuple[R, ...]  # every reason it can report when it fails
    region: Region | None = None  # None: nothing to mark on the picture, the panel lists it
    judged: bool = False  # counted in auto-approval's quality score
    ideal: float = 0.0  # the best value under an upper limit, where the quality margin is 1

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


FILE_REFUSALS = (
    R.EMPTY_FILE,
    R.FILE_TOO_LARGE,
    R.NOT_AN_IMAGE,
    R.UNSUPPORTED_FORMAT,
    R.TOO_MANY_PIXELS,
    R.TRUNCATED_IMAGE,
)

# in the order stage 1 takes them: the file, the original, the spec image, the spec image's file
CATALOGUE: tuple[Measure, ...] = (
    Measure("file", "文件", "file", FILE_REFUSALS),
    Measure("colour", "彩色", "colour", (R.GREYSCALE,)),
    Measure("source_jpeg_quality", "原图压缩质量", "original's JPEG quality", (R.HEAVY_COMPRESSION,)),
    Measure(
        "source_face_width",
        "原图脸宽 (像素)",
        "face width in the original (px)",
        (R.LOW_RESOLUTION,),
        Region.FACE_WIDTH,
    ),
    Measure(
        "source_head_top", "原图头顶位置", "head top in the original", (R.HEAD_CUT_OFF,), Region.HEAD_TOP
    ),
    Measure(
        "source_background_texture",
        "原图背景纹理",
        "background texture in the original",
        (R.BACKGROUND_NOT_PLAIN,),
        Region.BACKGROUND,
    ),
    Measure("face_count", "人脸数", "faces found", (R.NO_FACE, R.MULTIPLE_FACES)),
    Measure(
        "body_cut_in_frame",
        "身体被原图边缘截断 (像素)",
        "body cut by the original's edge inside the frame (px)",
        (R.CROPPED_TOO_TIGHT,),
        Region.BELOW_CHIN,
    ),
    Measure(
        "hair_cut_in_frame",
        "头发被原图上边缘截断 (像素)",
        "hair cut by the original's top edge inside the frame (px)",
        (R.HEAD_TOO_CLOSE_TO_TOP,),
        Region.HEAD_TOP,
    ),
    Measure(
        "bottom_band",
        "底部无身体的行数",
        "rows without the body at the bottom edge",
        (R.CROPPED_TOO_TIGHT,),
        Region.BELOW_CHIN,
    ),
    Measure("yaw", "左右偏转 (度)", "yaw (degrees)", (R.HEAD_YAW,), Region.FACE_OVAL, judged=True),
    Measure("pitch", "俯仰 (度)", "pitch (degrees)", (R.HEAD_PITCH,), Region.FACE_OVAL, judged=True),
    Measure("roll", "双眼倾斜 (度)", "eye line tilt (degrees)", (R.HEAD_ROLL,), Region.EYE_LINE, judged=True),
    Measure(
        "head_top", "头顶位置", "head top position", (R.HEAD_CUT_OFF, R.HEAD_TOP_POSITION), Region.HEAD_TOP
    ),
    Measure("eye_line", "眼睛高度", "eye line height", (R.EYE_LINE_POSITION,), Region.EYE_LINE),
    Measure(
        "face_width",
        "脸宽 (像素)",
        "face width (px)",
        (R.FACE_TOO_LARGE, R.FACE_TOO_SMALL),
        Region.FACE_WIDTH,
    ),
    Measure("chin", "下巴位置", "chin position", (R.CHIN_POSITION,), Region.CHIN),
    Measure("off_centre", "偏离中线 (像素)", "off the centre line (px)", (R.OFF_CENTRE,), Region.CENTRE_LINE),
    Measure("eye_opening", "睁眼程度", "eye opening", (R.EYES_CLOSED,), Region.EYES, judged=True),
    Measure("lip_gap", "嘴唇间隙", "lip gap", (R.MOUTH_OPEN,), Region.MOUTH, judged=True),
    Measure("teeth", "牙齿可见", "teeth visible", (R.TEETH_SHOWING,), Region.MOUTH, judged=True),
    Measure("smile", "微笑程度", "smile", (R.SMILING,), Region.MOUTH, judged=True),
    Measure("glare", "眼镜反光", "glare on glasses", (R.GLARE,), Region.EYES, judged=True),
    Measure("eye_brightness", "眼部亮度", "eye brightness", (R.TINTED_LENSES,), Region.EYES, judged=True),
    Measure("dark_share", "过暗比例", "share too dark", (R.UNDEREXPOSED,), Region.FACE_OVAL, judged=True),
    Measure("clipped_share", "过曝比例", "share washed out", (R.OVEREXPOSED,), Region.FACE_OVAL, judged=True),
    Measure(
        "light_balance",
        "左右光线差",
        "left/right light difference",
        (R.UNEVEN_LIGHTING,),
        Region.CHEEKS,
        judged=True,
        ideal=1.0,  # brightness of the lit half over the shaded one: even light is 1, not 0
    ),
    Measure("sharpness", "清晰度", "sharpness", (R.BLURRED,), Region.FACE_OVAL, judged=True),
    Measure("headwear", "额头露出 (无帽子)", "forehead uncovered (no hat)", (R.HEADWEAR,), Region.HEADWEAR),
    Measure("ears_visible", "耳朵露出 (脸宽)", "ears showing (face widths)", (R.EARS_HIDDEN,), Region.EARS),
    Measure(
        "ears_symmetry",
        "两耳露出差 (脸宽)",
        "ears showing unequally (face widths)",
        (R.EARS_ASYMMETRIC,),
        Region.EARS,
    ),
    Measure(
        "shoulders_level",
        "肩膀倾斜 (度)",
        "shoulder lean (degrees)",
        (R.SHOULDERS_NOT_LEVEL,),
        Region.SHOULDERS,
    ),
    Measure("black_edge", "黑边或裁剪边 (像素)", "black or cropped edge (px)", (R.BLACK_EDGE,), Region.EDGES),
    Measure(
        "background_uniformity",
        "背景均匀度",
        "background uniformity",
        (R.BACKGROUND_NOT_PLAIN,),
        Region.BACKGROUND,
        judged=True,
    ),
    Measure(
        "background_colour",
        "背景颜色偏差",
        "background colour difference",
        (R.BACKGROUND_COLOUR,),
        Region.BACKGROUND,
        judged=True,
    ),
    Measure("spec_format", "图像规格", "image size and format", (R.SPEC_FORMAT,)),
    Measure("file_size_kb", "文件大小 (KB)", "file size (KB)", (R.FILE_SIZE,)),
)
MEASURES: dict[str, Measure] = {measure.name: measure for measure in CATALOGUE}


def measure_label(name: str) -> str:
    """The measure's label in Chinese and English; a name no longer in the catalogue (stored by an
    earlier version) is shown as it was stored."""
    measure = MEASURES.get(name)
    return measure.label if measure is not None else f"{name} / {name.replace('_', ' ')}"
