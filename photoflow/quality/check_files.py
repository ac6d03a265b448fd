"""`photoflow check`: standardise and review loose photo files without a batch, on the batch's code path.

For students and support staff: each photo gets its verdict, the reasons with what to do, the spec image
when one could be made, and an overlay for every rejected photo.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from data_contracts.photo_spec import load_photo_spec
from photoflow.face.analyzer import get_analyzer
from photoflow.quality.overlay import write_overlay
from photoflow.quality.review import check_photo

SAFE = re.compile(r"[^\w.-]+")


class ReasonOut(BaseModel):
    code: str
    zh: str
    en: str
    hint: str


class CheckOut(BaseModel):
    file: str
    passed: bool
    reasons: list[ReasonOut]
    standardised: str | None  # path of the spec image, when one was produced
    overlay: str | None  # path of the overlay PNG, for a rejected photo
    message: str | None = None  # why the file could not be read at all


def check_files(paths: list[Path], out_dir: Path, *, background: str | None = None) -> list[CheckOut]:
    """Check each file; outputs go to `out_dir` under names made from the input names (never paths)."""
    spec = load_photo_spec()
    spec.background_rgb(background)  # refuse an unknown background before any work
    analyzer = get_analyzer()
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for index, path in enumerate(paths, start=1):
        stem = f"{index:03d}-{SAFE.sub('_', path.stem)[:80]}"
        if not path.is_file():
            results.append(
                CheckOut(
                    file=str(path),
                    passed=False,
                    reasons=[],
                    standardised=None,
                    overlay=None,
                    message=f"{path}: no such file",
                )
            )
            continue
        check = check_photo(
            path.read_bytes(), name=path.name, analyzer=analyzer, spec=spec, background=background
        )
        standardised = overlay = None
        if check.spec_jpeg is not None:
            standardised = out_dir / f"{stem}.spec.jpg"
            standardised.write_bytes(check.spec_jpeg)
        if not check.passed:
            overlay = write_overlay(check, spec, out_dir / f"{stem}.overlay.png")
        results.append(
            CheckOut(
                file=str(path),
                passed=check.passed,
                reasons=[ReasonOut(code=r.value, zh=r.zh, en=r.en, hint=r.hint) for r in check.reasons],
                standardised=str(standardised) if standardised else None,
                overlay=str(overlay) if overlay else None,
                message=check.refusal,
            )
        )
    return results
