"""`photoflow check` as a student runs it, in a new process: the pipeline's steps before a reviewer,
stage 1 and the tamper check, with every reason in Chinese and English and its hint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoflow.sandbox import fraud_edits as edits
from tests.paths import DATASETS

PHOTOFLOW = shutil.which("photoflow", path=str(Path(sys.executable).parent)) or "photoflow"
LONDON = DATASETS / "id_portraits" / "london_neutral_front"
PORTRAIT = LONDON / "004_03.jpg"
REASON_KEYS = {"code", "zh", "en", "hint", "source"}


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def photoflow_check(tmp_path: Path, *photos: Path, as_json: bool = True) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PHOTOFLOW_")}
    env.update({"PHOTOFLOW_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"})
    args = [PHOTOFLOW, "check", *map(str, photos), "--out", str(tmp_path / "checked")]
    return subprocess.run(
        [*args, "--json"] if as_json else args,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def pasted_face(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another student's face pasted onto a good portrait and saved as a phone would: stage 1 sees a
    good photo, only the tamper check can tell."""
    path = tmp_path_factory.mktemp("edits") / "pasted.jpg"
    path.write_bytes(
        edits.save_jpeg(edits.paste_face(rgb(LONDON / "003_03.jpg"), rgb(LONDON / "044_03.jpg")), 95)
    )
    return path


def test_check_holds_a_pasted_face_for_a_reviewer_as_screening_does(
    tmp_path: Path, pasted_face: Path
) -> None:
    result = photoflow_check(tmp_path, PORTRAIT, pasted_face)

    assert result.returncode == 1, result.stderr  # the edited photo would not pass
    good, edited = json.loads(result.stdout)
    assert (good["verdict"], good["passed"], good["reasons"]) == ("passed", True, [])
    assert good["tamper"]["flagged"] is False
    assert (edited["verdict"], edited["passed"]) == ("held", False)
    assert edited["tamper"]["flagged"] and edited["tamper"]["score"] >= 50
    tamper_codes = {reason["code"] for reason in edited["reasons"] if reason["source"] == "tamper"}
    assert tamper_codes & {"compression_inconsistent", "face_compression_differs"}, edited["reasons"]
    assert tamper_codes <= {finding["code"] for finding in edited["tamper"]["findings"]}
    for reason in edited["reasons"]:
        assert set(reason) == REASON_KEYS and all(reason[key] for key in REASON_KEYS), reason


def test_check_of_the_good_portrait_alone_exits_zero(tmp_path: Path) -> None:
    result = photoflow_check(tmp_path, PORTRAIT)

    assert result.returncode == 0, result.stdout + result.stderr
    [good] = json.loads(result.stdout)
    assert good["verdict"] == "passed" and Path(good["standardised"]).is_file()


def test_check_shows_a_held_photo_with_its_reasons_in_chinese_and_english(
    tmp_path: Path, pasted_face: Path
) -> None:
    result = photoflow_check(tmp_path, pasted_face, as_json=False)

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "疑似修图" in result.stdout and "held for a reviewer" in result.stdout
    assert "修图检测 tamper check: 局部压缩痕迹与整图不一致" in result.stdout or (
        "修图检测 tamper check: 面部压缩痕迹" in result.stdout
    )
    assert "reject as edited" in result.stdout  # the hint travels with the reason
