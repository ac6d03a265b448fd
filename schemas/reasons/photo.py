"""Reason codes for photos: why a photo was refused or rejected, in Chinese and English, with a fix hint.

The hint is written for the student who has to take the photo again, so it says what to do, not what
the measure computed.
"""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class PhotoReason(ReasonEnum):
    """Why a photo cannot be used, from the file itself to the registry's answer."""

    # the file itself: the first six are why `decode_photo` refuses a file before any face is looked at
    EMPTY_FILE = ("empty_file", "文件为空", "the file is empty", "Send the photo file again.")
    FILE_TOO_LARGE = (
        "file_too_large",
        "文件过大",
        "the file is too large",
        "Send a smaller photo (under the limit).",
    )
    NOT_AN_IMAGE = (
        "not_an_image",
        "不是图片文件",
        "the file is not a picture",
        "Send a JPEG, PNG or WebP photo.",
    )
    UNSUPPORTED_FORMAT = (
        "unsupported_format",
        "图片格式不支持",
        "the picture format is not supported",
        "Save the photo as JPEG, PNG or WebP and send it again.",
    )
    TOO_MANY_PIXELS = (
        "too_many_pixels",
        "图片像素过多",
        "the picture has too many pixels",
        "Send the photo at a normal camera size.",
    )
    TRUNCATED_IMAGE = (
        "truncated_image",
        "图片已损坏",
        "the picture is damaged or incomplete",
        "Copy the original photo again and send it.",
    )
    GREYSCALE = ("greyscale", "照片不是彩色", "the photo is not in colour", "Take a colour photo.")
    HEAVY_COMPRESSION = (
        "heavy_compression",
        "照片压缩过度",
        "the photo is too heavily compressed",
        "Send the original photo from the camera, not a compressed copy.",
    )
    LOW_RESOLUTION = (
        "low_resolution",
        "照片分辨率过低",
        "the face is too small or the photo too low in resolution",
        "Move closer to the camera or use a higher camera resolution.",
    )
    # faces and framing
    NO_FACE = ("no_face", "未检测到人脸", "no face found", "Face the camera with your whole face visible.")
    MULTIPLE_FACES = (
        "multiple_faces",
        "检测到多张人脸",
        "more than one face in the photo",
        "Only you may be in the photo.",
    )
    HEAD_CUT_OFF = (
        "head_cut_off",
        "头部不完整",
        "the head is cut off at the edge",
        "Step back so your whole head and shoulders are in the photo.",
    )
    TOO_CLOSE = (
        "too_close",
        "距离过近，肩部不完整",
        "too close: the shoulders are not in the photo",
        "Step back so your shoulders are in the photo.",
    )
    HEAD_YAW = ("head_yaw", "头部左右偏转", "the head is turned to one side", "Face the camera straight on.")
    HEAD_PITCH = (
        "head_pitch",
        "头部抬起或低下",
        "the head is tilted up or down",
        "Keep your chin level and look straight at the camera.",
    )
    HEAD_ROLL = (
        "head_roll",
        "头部歪斜",
        "the head is tilted sideways",
        "Hold your head upright with both eyes level.",
    )
    HEAD_TOP_POSITION = (
        "head_top_position",
        "头顶位置不符合要求",
        "the top of the head is not where the standard puts it",
        "Retake the photo with your head centred and not cropped.",
    )
    EYE_LINE_POSITION = (
        "eye_line_position",
        "眼睛位置不符合要求",
        "the eyes are not at the standard height",
        "Retake the photo with your head centred in the frame.",
    )
    FACE_WIDTH = (
        "face_width",
        "脸部大小不符合要求",
        "the face is too large or too small in the frame",
        "Retake the photo from about 1 to 1.5 metres away.",
    )
    # expression and eyes
    EYES_CLOSED = (
        "eyes_closed",
        "眼睛未睁开",
        "the eyes are not fully open",
        "Keep both eyes open and look at the camera.",
    )
    MOUTH_OPEN = ("mouth_open", "嘴巴张开", "the mouth is open", "Close your lips.")
    TEETH_SHOWING = (
        "teeth_showing",
        "露出牙齿",
        "teeth are showing",
        "Close your lips; keep a neutral expression.",
    )
    SMILING = (
        "smiling",
        "表情不自然（微笑）",
        "the expression is not neutral (smiling)",
        "Keep a neutral expression.",
    )
    TINTED_LENSES = (
        "tinted_lenses",
        "佩戴有色眼镜",
        "tinted lenses or sunglasses hide the eyes",
        "Take off sunglasses or tinted glasses.",
    )
    GLARE = (
        "glare",
        "眼镜反光",
        "glare on the glasses hides the eyes",
        "Tilt the glasses slightly down or take them off; avoid lights in front of you.",
    )
    # background and light
    BACKGROUND_NOT_PLAIN = (
        "background_not_plain",
        "背景不是纯色",
        "the background is not plain",
        "Stand in front of a plain, light-coloured wall.",
    )
    BACKGROUND_COLOUR = (
        "background_colour",
        "背景颜色不符合要求",
        "the background colour is not the standard colour",
        "Use the standard background (light blue), or a plain wall we can recolour.",
    )
    UNEVEN_LIGHTING = (
        "uneven_lighting",
        "面部光线不均匀（有阴影）",
        "uneven light: one side of the face is in shadow",
        "Face the light (a window, say) so both sides of your face are lit; move away from side lights.",
    )
    UNDEREXPOSED = (
        "underexposed",
        "照片过暗",
        "the photo is too dark",
        "Take the photo in a brighter place.",
    )
    OVEREXPOSED = (
        "overexposed",
        "照片过亮",
        "the photo is too bright (washed out)",
        "Avoid direct sunlight or flash on the face.",
    )
    BLURRED = (
        "blurred",
        "照片模糊",
        "the photo is blurred",
        "Hold the camera still, focus on the face and clean the lens.",
    )
    # the spec image
    FILE_SIZE = (
        "file_size",
        "文件大小不符合要求",
        "the standard image cannot be saved within the file-size band",
        "Retake the photo against a plain background.",
    )
    SPEC_FORMAT = (
        "spec_format",
        "图像规格不符合要求",
        "the image is not the standard size or format",
        "Let the system produce the standard image from your original photo.",
    )
    # after stage 1: an admin's decision on a held record, the registry's answer
    NOT_SAME_PERSON = (
        "not_same_person",
        "照片与证件照或录取照片不像同一人",
        "the photo does not look like the person in the ID-registry or enrollment photo",
        "Take a new photo of yourself, facing the camera, with nothing covering the face.",
    )
    REGISTRY_REJECTED = (
        "registry_rejected",
        "学信网退回了照片",
        "the registry returned the photo",
        "Take a new photo that follows the standard; the registry's words are given above.",
    )
