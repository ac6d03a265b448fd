"""`photoflow check`: loose photo files through what the pipeline runs before a reviewer, without a batch.

For students and support staff: each photo gets the verdict the pipeline would give it, the reasons with
what to do, the spec image when one could be made, and an overlay for every photo stage 1 rejects. The
steps are the pipeline's own functions, not copies: `check_photo` (standardisation and stage 1, as
`photoflow.quality.stage` runs it) and `check_tamper` on the file's bytes (as screening runs it on the
stored original, `photoflow.auto_approval.screening.tamper_job`). Screening holds a flagged photo for a
reviewer (`ScreeningNote.TAMPER_SUSPECTED`), so `check` reports it as held, not passed. The tamper check
runs on every photo that decodes, also one stage 1 rejects, so the student hears of every fault at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from data_contracts.photo_spec import PhotoSpec, load_photo_spec
from photoflow.face.analyzer import get_analyzer
from photoflow.quality.overlay import write_overlay
from photoflow.quality.review import PhotoCheck, check_photo
from photoflow.tamper.check import TamperCheck, check_tamper
from schemas.check_reports import CheckOut, CheckVerdict, FindingOut, ReasonOut, TamperOut

SAFE = re.compile(r"[^\w.-]+")


def verdict_of(photo: PhotoCheck, tamper: TamperCheck | None) -> CheckVerdict:
    """Stage 1's rejection goes back to the student first; a photo it passes that looks edited is held."""
    if not photo.passed:
        return CheckVerdict.REJECTED
    return CheckVerdict.HELD if tamper is not None and tamper.flagged else CheckVerdict.PASSED


def check_files(paths: list[Path], out_dir: Path, *, background: str | None = None) -> list[CheckOut]:
    """Check each file; outputs go to `out_dir` under names made from the input names (never paths)."""
    spec = load_photo_spec()
    spec.background_rgb(background)  # refuse an unknown background before any work
    analyzer = get_analyzer()
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for index, path in enumerate(paths, start=1):
        if not path.is_file():
            results.append(
                CheckOut(
                    file=str(path),
                    passed=False,
                    verdict=CheckVerdict.REJECTED.value,
                    reasons=[],
                    tamper=None,
                    standardised=None,
                    overlay=None,
                    message=f"{path}: no such file",
                )
            )
            continue
        data = path.read_bytes()
        photo = check_photo(data, name=path.name, analyzer=analyzer, spec=spec, background=background)
        tamper = check_tamper(data, name=path.name) if photo.decoded is not None else None
        stem = f"{index:03d}-{SAFE.sub('_', path.stem)[:80]}"
        results.append(_report(path, photo, tamper, spec, out_dir, stem))
    return results


def _report(
    path: Path, photo: PhotoCheck, tamper: TamperCheck | None, spec: PhotoSpec, out_dir: Path, stem: str
) -> CheckOut:
    """The verdict, stage 1's reasons then the tamper check's flagged findings, and the images written."""
    verdict = verdict_of(photo, tamper)
    standardised = overlay = None
    if photo.spec_jpeg is not None:
        standardised = out_dir / f"{stem}.spec.jpg"
        standardised.write_bytes(photo.spec_jpeg)
    if not photo.passed:
        overlay = write_overlay(photo, spec, out_dir / f"{stem}.overlay.png")
    reasons = [ReasonOut(code=r.value, zh=r.zh, en=r.en, hint=r.hint, source="photo") for r in photo.reasons]
    findings = [] if tamper is None else tamper.findings
    if tamper is not None and tamper.flagged:
        seen = dict.fromkeys(f.reason for f in findings if f.score > 0)
        reasons += [ReasonOut(code=r.value, zh=r.zh, en=r.en, hint=r.hint, source="tamper") for r in seen]
    return CheckOut(
        file=str(path),
        passed=verdict == CheckVerdict.PASSED,
        verdict=verdict.value,
        reasons=reasons,
        tamper=None
        if tamper is None
        else TamperOut(
            score=tamper.score,
            flagged=tamper.flagged,
            findings=[
                FindingOut(
                    code=f.reason.value,
                    zh=f.reason.zh,
                    en=f.reason.en,
                    hint=f.reason.hint,
                    score=f.score,
                    detail=f.detail,
                )
                for f in findings
            ],
        ),
        standardised=str(standardised) if standardised else None,
        overlay=str(overlay) if overlay else None,
        message=photo.refusal,
    )
