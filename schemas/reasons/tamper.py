"""Why the tamper check thinks a photo was edited ("PS"), in Chinese and English for reviewers.

A finding sends the photo to a person; the hint tells that reviewer what to look at before deciding.
"""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class TamperReason(ReasonEnum):
    EDITING_SOFTWARE = (
        "editing_software",
        "照片经修图软件处理",
        "Edited with photo-editing software",
        "Look for retouching of the face; reject as edited if it was changed, not merely cropped.",
    )
    EDITOR_METADATA = (
        "editor_metadata",
        "含修图软件写入的元数据段",
        "Metadata segments written by an editor",
        "Look for retouching of the face; an editor's metadata alone may come from a harmless crop.",
    )
    COMPRESSION_INCONSISTENT = (
        "compression_inconsistent",
        "局部压缩痕迹与整图不一致（疑似局部修改）",
        "Part of the photo has a different compression history (local edit)",
        "Look closely for pasted or painted-over parts; reject as edited if you find one.",
    )
    RECOMPRESSED = (
        "recompressed",
        "整图经过再次压缩（本身不算修图）",
        "Whole photo re-compressed (not an edit by itself)",
        "Judge the photo itself: saving a photo again is no reason to reject it.",
    )
    SKIN_SMOOTHED = (
        "skin_smoothed",
        "面部皮肤纹理明显少于颈部（疑似磨皮）",
        "The face has far less skin texture than the neck (smoothed)",
        "Compare the skin of the face with the neck; reject as edited if the face was smoothed.",
    )
    FACE_COMPRESSION_DIFFERS = (
        "face_compression_differs",
        "面部压缩痕迹与照片其余部分不一致（疑似面部调色、美白或磨皮）",
        "The face lost the compression trace the rest of the photo keeps (recoloured, whitened or smoothed)",
        "Check the face for recolouring, whitening or smoothing; reject as edited if you see it.",
    )
    PASTED_SEAM = (
        "pasted_seam",
        "面部有一条笔直的拼接边缘（疑似贴上了别人的脸或皮肤）",
        "A straight seam crosses the face (a pasted patch of another face or skin)",
        "Look for a rectangle laid over the face; reject as edited if part of the face was pasted in.",
    )
    COPY_MOVE = (
        "copy_move",
        "图中有复制粘贴的区域",
        "A region is copied from elsewhere in the photo",
        "Look for a repeated patch (background, hair, clothes) hiding something; reject as edited if so.",
    )
    NO_COMPRESSION_HISTORY = (
        "no_compression_history",
        "非JPEG图片，无法检查压缩痕迹",
        "Not a JPEG: compression history cannot be checked",
        "Judge the photo by eye; ask for the camera's original photo when in doubt.",
    )
    UNREADABLE = (
        "unreadable",
        "图片无法解码，未能检查",
        "The image cannot be decoded, so it was not checked",
        "Open the photo to check it; reject it so the student sends it again if it is damaged.",
    )
