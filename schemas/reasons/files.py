"""Why a received file did not become what it was sent for: a photo attempt (photo intake) or a student's
enrollment photo (an enrollment zip). Both uploads match files to students by name, so they share these.

Each problem is reported with the file's name and a detail that says which student or limit it was;
the hint is for the admin who sent the files.
"""

from __future__ import annotations

from schemas.reasons.base import ReasonEnum


class FileProblem(ReasonEnum):
    """Why a file of a photo intake or an enrollment zip was not taken."""

    NOT_READ = (
        "not_read",
        "文件未读取",
        "the file was not read",
        "Put the photo file itself in the upload (see the detail) and send it again.",
    )
    UNMATCHED = (
        "unmatched",
        "未匹配到学生",
        "matches no student of this batch",
        "Name the file after the student's ID number (or collection code), e.g. <证件号>.jpg.",
    )
    DUPLICATE = (
        "duplicate",
        "同一学生有多个文件",
        "more than one file for the same student",
        "Keep one file for each student and send it again.",
    )
    # photo intake only
    NOT_AWAITING = (
        "not_awaiting_photo",
        "该学生当前不接收照片",
        "the student is not waiting for a photo",
        "Send a new photo only before the first review or after a reshoot was requested.",
    )
    # enrollment zips only
    TOO_LARGE = (
        "too_large",
        "照片文件过大",
        "the photo file is over the size limit",
        "Save the photo again smaller (lower JPEG quality or fewer pixels) and upload the zip again.",
    )
    NOT_AN_IMAGE = (
        "not_an_image",
        "不是可用的图片",
        "not a picture that can be used",
        "Put the photo itself in the zip, saved as a picture the detail names, and upload it again.",
    )
