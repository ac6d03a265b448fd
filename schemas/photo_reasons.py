"""Reason codes for photos: why a photo was refused or rejected, in Chinese and English, with a fix hint.

The hint is written for the student who has to take the photo again, so it says what to do, not what
the measure computed.
"""

from __future__ import annotations

from enum import StrEnum

from schemas.labels import LabelledEnum


class PhotoReason(StrEnum):
    """Why a photo cannot be used; messages live in `PHOTO_REASON_TEXT`."""

    # the file itself
    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    NOT_AN_IMAGE = "not_an_image"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_MANY_PIXELS = "too_many_pixels"
    TRUNCATED_IMAGE = "truncated_image"
    GREYSCALE = "greyscale"
    HEAVY_COMPRESSION = "heavy_compression"
    LOW_RESOLUTION = "low_resolution"
    # faces and framing
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    HEAD_CUT_OFF = "head_cut_off"
    TOO_CLOSE = "too_close"
    HEAD_YAW = "head_yaw"
    HEAD_PITCH = "head_pitch"
    HEAD_ROLL = "head_roll"
    HEAD_TOP_POSITION = "head_top_position"
    EYE_LINE_POSITION = "eye_line_position"
    FACE_WIDTH = "face_width"
    # expression and eyes
    EYES_CLOSED = "eyes_closed"
    MOUTH_OPEN = "mouth_open"
    TEETH_SHOWING = "teeth_showing"
    SMILING = "smiling"
    TINTED_LENSES = "tinted_lenses"
    GLARE = "glare"
    # background and light
    BACKGROUND_NOT_PLAIN = "background_not_plain"
    BACKGROUND_COLOUR = "background_colour"
    UNEVEN_LIGHTING = "uneven_lighting"
    UNDEREXPOSED = "underexposed"
    OVEREXPOSED = "overexposed"
    BLURRED = "blurred"
    # the spec image
    FILE_SIZE = "file_size"
    SPEC_FORMAT = "spec_format"
    # after stage 1: an admin's decision on a held record, the registry's answer
    NOT_SAME_PERSON = "not_same_person"
    REGISTRY_REJECTED = "registry_rejected"

    @property
    def zh(self) -> str:
        return PHOTO_REASON_TEXT[self][0]

    @property
    def en(self) -> str:
        return PHOTO_REASON_TEXT[self][1]

    @property
    def hint(self) -> str:
        return PHOTO_REASON_TEXT[self][2]

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


# code -> (中文, English, what the student should do)
PHOTO_REASON_TEXT: dict[PhotoReason, tuple[str, str, str]] = {
    PhotoReason.EMPTY_FILE: ("文件为空", "the file is empty", "Send the photo file again."),
    PhotoReason.FILE_TOO_LARGE: (
        "文件过大",
        "the file is too large",
        "Send a smaller photo (under the limit).",
    ),
    PhotoReason.NOT_AN_IMAGE: (
        "不是图片文件",
        "the file is not a picture",
        "Send a JPEG, PNG or WebP photo.",
    ),
    PhotoReason.UNSUPPORTED_FORMAT: (
        "图片格式不支持",
        "the picture format is not supported",
        "Save the photo as JPEG, PNG or WebP and send it again.",
    ),
    PhotoReason.TOO_MANY_PIXELS: (
        "图片像素过多",
        "the picture has too many pixels",
        "Send the photo at a normal camera size.",
    ),
    PhotoReason.TRUNCATED_IMAGE: (
        "图片已损坏",
        "the picture is damaged or incomplete",
        "Copy the original photo again and send it.",
    ),
    PhotoReason.GREYSCALE: ("照片不是彩色", "the photo is not in colour", "Take a colour photo."),
    PhotoReason.HEAVY_COMPRESSION: (
        "照片压缩过度",
        "the photo is too heavily compressed",
        "Send the original photo from the camera, not a compressed copy.",
    ),
    PhotoReason.LOW_RESOLUTION: (
        "照片分辨率过低",
        "the face is too small or the photo too low in resolution",
        "Move closer to the camera or use a higher camera resolution.",
    ),
    PhotoReason.NO_FACE: ("未检测到人脸", "no face found", "Face the camera with your whole face visible."),
    PhotoReason.MULTIPLE_FACES: (
        "检测到多张人脸",
        "more than one face in the photo",
        "Only you may be in the photo.",
    ),
    PhotoReason.HEAD_CUT_OFF: (
        "头部不完整",
        "the head is cut off at the edge",
        "Step back so your whole head and shoulders are in the photo.",
    ),
    PhotoReason.TOO_CLOSE: (
        "距离过近，肩部不完整",
        "too close: the shoulders are not in the photo",
        "Step back so your shoulders are in the photo.",
    ),
    PhotoReason.HEAD_YAW: ("头部左右偏转", "the head is turned to one side", "Face the camera straight on."),
    PhotoReason.HEAD_PITCH: (
        "头部抬起或低下",
        "the head is tilted up or down",
        "Keep your chin level and look straight at the camera.",
    ),
    PhotoReason.HEAD_ROLL: (
        "头部歪斜",
        "the head is tilted sideways",
        "Hold your head upright with both eyes level.",
    ),
    PhotoReason.HEAD_TOP_POSITION: (
        "头顶位置不符合要求",
        "the top of the head is not where the standard puts it",
        "Retake the photo with your head centred and not cropped.",
    ),
    PhotoReason.EYE_LINE_POSITION: (
        "眼睛位置不符合要求",
        "the eyes are not at the standard height",
        "Retake the photo with your head centred in the frame.",
    ),
    PhotoReason.FACE_WIDTH: (
        "脸部大小不符合要求",
        "the face is too large or too small in the frame",
        "Retake the photo from about 1 to 1.5 metres away.",
    ),
    PhotoReason.EYES_CLOSED: (
        "眼睛未睁开",
        "the eyes are not fully open",
        "Keep both eyes open and look at the camera.",
    ),
    PhotoReason.MOUTH_OPEN: ("嘴巴张开", "the mouth is open", "Close your lips."),
    PhotoReason.TEETH_SHOWING: (
        "露出牙齿",
        "teeth are showing",
        "Close your lips; keep a neutral expression.",
    ),
    PhotoReason.SMILING: (
        "表情不自然（微笑）",
        "the expression is not neutral (smiling)",
        "Keep a neutral expression.",
    ),
    PhotoReason.TINTED_LENSES: (
        "佩戴有色眼镜",
        "tinted lenses or sunglasses hide the eyes",
        "Take off sunglasses or tinted glasses.",
    ),
    PhotoReason.GLARE: (
        "眼镜反光",
        "glare on the glasses hides the eyes",
        "Tilt the glasses slightly down or take them off; avoid lights in front of you.",
    ),
    PhotoReason.BACKGROUND_NOT_PLAIN: (
        "背景不是纯色",
        "the background is not plain",
        "Stand in front of a plain, light-coloured wall.",
    ),
    PhotoReason.BACKGROUND_COLOUR: (
        "背景颜色不符合要求",
        "the background colour is not the standard colour",
        "Use the standard background (light blue), or a plain wall we can recolour.",
    ),
    PhotoReason.UNEVEN_LIGHTING: (
        "面部光线不均匀（有阴影）",
        "uneven light: one side of the face is in shadow",
        "Face the light (a window, say) so both sides of your face are lit; move away from side lights.",
    ),
    PhotoReason.UNDEREXPOSED: ("照片过暗", "the photo is too dark", "Take the photo in a brighter place."),
    PhotoReason.OVEREXPOSED: (
        "照片过亮",
        "the photo is too bright (washed out)",
        "Avoid direct sunlight or flash on the face.",
    ),
    PhotoReason.BLURRED: (
        "照片模糊",
        "the photo is blurred",
        "Hold the camera still, focus on the face and clean the lens.",
    ),
    PhotoReason.FILE_SIZE: (
        "文件大小不符合要求",
        "the standard image cannot be saved within the file-size band",
        "Retake the photo against a plain background.",
    ),
    PhotoReason.SPEC_FORMAT: (
        "图像规格不符合要求",
        "the image is not the standard size or format",
        "Let the system produce the standard image from your original photo.",
    ),
    PhotoReason.NOT_SAME_PERSON: (
        "照片与证件照或录取照片不像同一人",
        "the photo does not look like the person in the ID-registry or enrollment photo",
        "Take a new photo of yourself, facing the camera, with nothing covering the face.",
    ),
    PhotoReason.REGISTRY_REJECTED: (
        "学信网退回了照片",
        "the registry returned the photo",
        "Take a new photo that follows the standard; the registry's words are given above.",
    ),
}


class IntakeProblem(LabelledEnum):
    """Why a received file did not become a photo attempt; each is reported with the file's name."""

    UNMATCHED = ("unmatched", "未匹配到学生", "matches no student of this batch")
    DUPLICATE = ("duplicate", "同一学生有多个文件", "more than one file for the same student")
    NOT_AWAITING = ("not_awaiting_photo", "该学生当前不接收照片", "the student is not waiting for a photo")
    NOT_READ = ("not_read", "文件未读取", "the file was not read")
