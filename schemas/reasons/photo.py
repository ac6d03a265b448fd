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
        "双眼不水平（头部歪斜）",
        "the eyes are not level: the head is tilted sideways",
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
    # given until the face width's two ends got their own reasons; stored reviews still name it
    FACE_WIDTH = (
        "face_width",
        "脸部大小不符合要求",
        "the face is too large or too small in the frame",
        "Retake the photo from about 1 to 1.5 metres away.",
    )
    FACE_TOO_LARGE = (
        "face_too_large",
        "脸部过大",
        "the face is too large in the frame",
        "Step back a little: about 1.5 metres from the camera, head and shoulders in the frame.",
    )
    FACE_TOO_SMALL = (
        "face_too_small",
        "脸部过小",
        "the face is too small in the frame",
        "Move closer: about 1 metre from the camera, so head and shoulders fill the frame.",
    )
    CHIN_POSITION = (
        "chin_position",
        "下巴位置不符合要求",
        "the chin is not inside the template's chin zone",
        "Retake the photo with your head upright and centred, chin level.",
    )
    OFF_CENTRE = (
        "off_centre",
        "人像未水平居中",
        "the head is not centred left to right",
        "Stand in the middle of the frame, facing the camera.",
    )
    CROPPED_TOO_TIGHT = (
        "cropped_too_tight",
        "照片裁得过紧，肩部无法填满画面",
        "the photo ends too close to the face: the shoulders cannot fill the frame",
        "Take the photo down to below the chest (请拍到胸口以下), with both shoulders in it.",
    )
    HEAD_TOO_CLOSE_TO_TOP = (
        "head_too_close_to_top",
        "头顶离照片上边缘太近",
        "the head is too close to the photo's top edge",
        "Leave space above your head (头顶上方留出空间): a hand's width between hair and edge.",
    )
    BLACK_EDGE = (
        "black_edge",
        "照片有黑边或裁剪边",
        "a black or uneven edge along the photo's border (a bad crop)",
        "Send the whole original photo, not a screenshot or a cropped copy with borders.",
    )
    HEADWEAR = (
        "headwear",
        "佩戴帽子或头部覆盖物",
        "a hat or head covering is worn",
        "Take off the hat or cap; a religious or medical covering must leave the face uncovered.",
    )
    EARS_HIDDEN = (
        "ears_hidden",
        "耳朵被遮挡",
        "the ears are hidden",
        "Put your hair behind your ears so both ears show.",
    )
    EARS_ASYMMETRIC = (
        "ears_asymmetric",
        "两耳不对称",
        "the ears do not show equally: the head is turned",
        "Face the camera straight on so both ears show equally.",
    )
    SHOULDERS_NOT_LEVEL = (
        "shoulders_not_level",
        "肩膀不平",
        "the shoulders are not level",
        "Sit upright with both shoulders level and square to the camera.",
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
