"""What a student reads when a photo is rejected: Chinese first, then English, reasons with fix hints.

The text names the student and the institution, never the ID number, because e-mail travels and is
kept in places we do not control.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from schemas.records import StudentRecord
from schemas.reshoots import ReshootRequest

SUBJECT = "【毕业照片】请重新拍摄 / Graduation photo: please take a new one"


def reshoot_notice(record: StudentRecord, request: ReshootRequest) -> tuple[str, str]:
    """(subject, plain-text body) of the notice for one reshoot request."""
    attempt_zh = f"第 {request.attempt_no} 次" if request.attempt_no else "此前"
    attempt_en = f"attempt {request.attempt_no}" if request.attempt_no else "your earlier photo"
    zh = [
        f"{record.name} 同学：",
        "",
        f"你为{record.institution_name}毕业图像采集提交的{attempt_zh}照片未通过{request.source.zh}，"
        "需要重新拍摄。",
        "",
        "原因：",
        *_reasons(request.reasons, "zh"),
        "",
        "请按照片标准重新拍摄（改进建议见下方英文部分），并通过原来的渠道提交新照片。你此前提交的照片均已保留。",
    ]
    en = [
        f"Dear {record.name},",
        "",
        f"Your graduation photo ({attempt_en}) for {record.institution_name} did not pass "
        f"{request.source.en.lower()}; please take a new one.",
        "",
        "Why, and what to do:",
        *_reasons(request.reasons, "en", hints=True),
        "",
        "Take the new photo following the hints and send it the way you sent the last one. "
        "Your earlier photos stay on record.",
    ]
    return SUBJECT, "\n".join([*zh, "", "-" * 40, "", *en, ""])


def _reasons(reasons: list[dict[str, Any]], language: str, *, hints: bool = False) -> Iterator[str]:
    """Numbered reasons; the fix hints are written in English only, so only that part carries them."""
    for number, reason in enumerate(reasons, 1):
        yield f"  {number}. {reason[language]}"
        if hints and reason["hint"]:
            yield f"     What to do: {reason['hint']}"
