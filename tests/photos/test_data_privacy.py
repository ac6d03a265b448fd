"""The data folder is its owner's alone: folders 700 and files 600, whatever the user's umask says.

It holds roster copies with ID numbers, students' photos, exports and the SQLite file, so nothing in it
may be readable by other accounts on the machine. The commands run as new processes, as a person runs
them, from a parent whose umask is the usual 022: a test process that happened to have a strict umask
would otherwise pass whatever the project did.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from photoflow.roster.workbook import write_roster_workbook
from tests.helpers import INSTITUTION, students
from tests.paths import DATASETS

PHOTOFLOW = shutil.which("photoflow", path=str(Path(sys.executable).parent)) or "photoflow"
PORTRAIT = DATASETS / "id_portraits" / "london_neutral_front" / "001_03.jpg"
CONTRACT = ["--institution", INSTITUTION, "--category", "regular"]


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most accounts have (022: new files 644, folders 755), restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes(root: Path) -> dict[str, str]:
    """Every folder and file under `root` (itself included) with its permission bits, as octal text."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[path.relative_to(root).as_posix()] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


@pytest.mark.usefixtures("prefect_harness", "usual_umask")
def test_everything_the_commands_write_is_readable_by_its_owner_only(tmp_path, deepface_home):
    from prefect.settings import PREFECT_API_URL

    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # made by hand, or by an older photoflow: closed at the next start
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PHOTOFLOW_", "PREFECT_"))}
    env.pop("DATABASE_URL", None)  # the SQLite file in the data folder
    env.update(
        {
            "PHOTOFLOW_DATA_DIR": str(data),
            "PHOTOFLOW_DEEPFACE_HOME": str(deepface_home),
            "PHOTOFLOW_PHOTO_WORKERS": "1",
            "PREFECT_API_URL": PREFECT_API_URL.value(),
        }
    )

    def photoflow(*args: str) -> str:
        done = subprocess.run(
            [PHOTOFLOW, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    rows = students(3, seed=5)
    rows[2]["id_number"] = "12345"  # one bad row, so the upload writes errors.xlsx beside its copy
    roster = write_roster_workbook(tmp_path / "roster.xlsx", rows)
    photoflow(
        "contract", "add", *CONTRACT, "--name", "测试大学", "--price", "30", "--valid-until", "2099-12-31"
    )
    batch = json.loads(photoflow("roster", "upload", str(roster), *CONTRACT, "--json"))["batch_id"]
    photoflow("photo", "add", str(PORTRAIT), "--id-number", rows[0]["id_number"], *CONTRACT)
    photoflow("export", "--batch", str(batch))

    found = modes(data)
    names = [Path(name).name for name in found]
    assert {"photoflow.db", "errors.xlsx", "roster.xlsx"} <= set(names), sorted(found)
    for folder, suffix in (("photos/", ".jpg"), ("exports/", ".xlsx")):  # the photo as received, the export
        assert any(name.startswith(folder) and name.endswith(suffix) for name in found), sorted(found)
    folders = {name: mode for name, mode in found.items() if (data / name).is_dir()}
    files = {name: mode for name, mode in found.items() if name not in folders}
    assert set(folders.values()) == {"0o700"}, folders
    assert set(files.values()) == {"0o600"}, files


@pytest.mark.usefixtures("usual_umask")
def test_a_flow_run_started_by_a_prefect_worker_writes_privately_too(tmp_path):
    """A process worker starts each flow run as a fresh Python process with the worker's umask, and
    the flow reads its settings first (`get_settings`, as every flow does): from there on it is 077."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    script = "from photoflow.settings import get_settings; import os; get_settings(); print(oct(os.umask(0)))"
    env = {**os.environ, "PHOTOFLOW_DATA_DIR": str(data)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0o77"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
