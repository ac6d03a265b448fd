"""Why the tamper check thinks a photo was edited ("PS"), in Chinese and English for reviewers."""

from __future__ import annotations

from schemas.labels import LabelledEnum


class TamperReason(LabelledEnum):
    EDITING_SOFTWARE = ("editing_software", "照片经修图软件处理", "Edited with photo-editing software")
    EDITOR_METADATA = (
        "editor_metadata",
        "含修图软件写入的元数据段",
        "Metadata segments written by an editor",
    )
    COMPRESSION_INCONSISTENT = (
        "compression_inconsistent",
        "局部压缩痕迹与整图不一致（疑似局部修改）",
        "Part of the photo has a different compression history (local edit)",
    )
    RECOMPRESSED = (
        "recompressed",
        "整图经过再次压缩（本身不算修图）",
        "Whole photo re-compressed (not an edit by itself)",
    )
    SKIN_SMOOTHED = (
        "skin_smoothed",
        "面部皮肤纹理明显少于颈部（疑似磨皮）",
        "The face has far less skin texture than the neck (smoothed)",
    )
    FACE_COMPRESSION_DIFFERS = (
        "face_compression_differs",
        "面部压缩痕迹与照片其余部分不一致（疑似面部调色、美白或磨皮）",
        "The face lost the compression trace the rest of the photo keeps (recoloured, whitened or smoothed)",
    )
    COPY_MOVE = ("copy_move", "图中有复制粘贴的区域", "A region is copied from elsewhere in the photo")
    NO_COMPRESSION_HISTORY = (
        "no_compression_history",
        "非JPEG图片，无法检查压缩痕迹",
        "Not a JPEG: compression history cannot be checked",
    )
    UNREADABLE = (
        "unreadable",
        "图片无法解码，未能检查",
        "The image cannot be decoded, so it was not checked",
    )
