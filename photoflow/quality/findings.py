"""Names of stage 1's measures as a reviewer reads them, in Chinese and English."""

from __future__ import annotations

MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "file": ("文件", "file"),
    "colour": ("彩色", "colour"),
    "source_jpeg_quality": ("原图压缩质量", "original's JPEG quality"),
    "source_face_width": ("原图脸宽 (像素)", "face width in the original (px)"),
    "source_head_top": ("原图头顶位置", "head top in the original"),
    "source_background_texture": ("原图背景纹理", "background texture in the original"),
    "face_count": ("人脸数", "faces found"),
    "outside_below_chin": ("下巴以下超出", "cut off below the chin"),
    "yaw": ("左右偏转 (度)", "yaw (degrees)"),
    "pitch": ("俯仰 (度)", "pitch (degrees)"),
    "roll": ("歪头 (度)", "roll (degrees)"),
    "head_top": ("头顶位置", "head top position"),
    "eye_line": ("眼睛高度", "eye line height"),
    "face_width": ("脸宽比例", "face width share"),
    "eye_opening": ("睁眼程度", "eye opening"),
    "lip_gap": ("嘴唇间隙", "lip gap"),
    "teeth": ("牙齿可见", "teeth visible"),
    "smile": ("微笑程度", "smile"),
    "eye_brightness": ("眼部亮度", "eye brightness"),
    "glare": ("眼镜反光", "glare on glasses"),
    "background_uniformity": ("背景均匀度", "background uniformity"),
    "background_colour": ("背景颜色偏差", "background colour difference"),
    "light_balance": ("左右光线差", "left/right light difference"),
    "dark_share": ("过暗比例", "share too dark"),
    "clipped_share": ("过曝比例", "share washed out"),
    "sharpness": ("清晰度", "sharpness"),
    "file_size_kb": ("文件大小 (KB)", "file size (KB)"),
    "spec_format": ("图像规格", "image size and format"),
}


def measure_label(measure: str) -> str:
    zh, en = MEASURE_LABELS.get(measure, (measure, measure.replace("_", " ")))
    return f"{zh} / {en}"
