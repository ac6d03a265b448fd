"""Enumerations shared across the mission; each member has a Chinese and an English label."""

from __future__ import annotations

from schemas.labels import LabelledEnum


class EducationCategory(LabelledEnum):
    """学历类别: the registry's education categories; a batch is one institution and one category."""

    REGULAR = ("regular", "普通高等教育", "Regular higher education")
    ADULT = ("adult", "成人高等教育", "Adult higher education")
    SELF_STUDY = ("self_study", "高等教育自学考试", "Higher education self-study examination")
    ONLINE = ("online", "网络教育", "Online education")
    OPEN = ("open", "开放教育", "Open education")
    GRADUATE = ("graduate", "研究生", "Graduate education")


class EducationLevel(LabelledEnum):
    """学历层次: the level of the degree or diploma."""

    JUNIOR_COLLEGE = ("junior_college", "专科", "Junior college")
    BACHELOR = ("bachelor", "本科", "Bachelor")
    BACHELOR_FROM_JUNIOR = ("bachelor_from_junior", "专科起点本科", "Bachelor (from junior college)")
    MASTER = ("master", "硕士研究生", "Master")
    DOCTORATE = ("doctorate", "博士研究生", "Doctorate")


class RecordStatus(LabelledEnum):
    """Where one student record stands; only `photoflow.state` moves a record between these."""

    AWAITING_PHOTO = ("awaiting_photo", "待采集", "Awaiting photo")
    IN_AUTO_REVIEW = ("in_auto_review", "待审核", "Awaiting automatic review")
    AUTO_REJECTED = ("auto_rejected", "自动审核未通过", "Failed automatic review")
    IN_MANUAL_REVIEW = ("in_manual_review", "人工审核中", "In manual review")
    MANUAL_REJECTED = ("manual_rejected", "人工审核未通过", "Rejected in manual review")
    COMPARING = ("comparing", "比对中", "Comparing with reference photos")
    HELD = ("held", "比对拦截", "Held after comparison")
    RESHOOT_REQUESTED = ("reshoot_requested", "待重拍", "Reshoot requested")
    COLLECTED = ("collected", "采集完成", "Collected")
    SUBMITTING = ("submitting", "上网中", "Submitting to registry")
    REGISTERED = ("registered", "上网成功", "Registered")
    REGISTRY_FAILED = ("registry_failed", "上网失败", "Registry submission failed")


class UploadStatus(LabelledEnum):
    """What became of one roster file."""

    ACCEPTED = ("accepted", "上传成功", "Uploaded")
    REJECTED = ("rejected", "上传失败", "Rejected")
    DELETED = ("deleted", "已删除", "Deleted")
