"""Every `photoflow` command run as people run it: a new process, `--help` and one real call each.

In-process CLI tests share one interpreter in which every module (every table of the metadata, too) is
already imported, so a command that works only because another test imported something passes there
and fails for a user. Here each call is its own process on one data folder, in the order an operator
would go (contract, roster, photos, review, comparison, submission, deliverables), against the test
session's Prefect server and the two simulators started as `photoflow` processes themselves.

The list of commands comes from the typer app: a new command gets its `--help` call automatically, and
`test_every_command_has_a_real_call_here` fails until the scenario below calls it too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer.main

from photoflow.cli import app
from photoflow.roster.workbook import write_roster_workbook
from tests.cli.test_cli import CONTRACT_ADD
from tests.cli.test_cli_tables import assert_readable_at_80, table_rows
from tests.helpers import INSTITUTION, students
from tests.paths import DATASETS

PHOTOFLOW = shutil.which("photoflow", path=str(Path(sys.executable).parent)) or "photoflow"
NEUTRAL = DATASETS / "id_portraits" / "london_neutral_front"
SMILING = DATASETS / "id_defects" / "london_smiling_front"
CONTRACT = ["--institution", INSTITUTION, "--category", "regular"]
SERVED = ("serve", "registry-sim", "id-registry sim")  # long-running: started, used, stopped


def command_tree() -> dict[str, object]:
    """Every command people can run, by its words ('print status'); a group that acts itself
    (`export --batch N`) counts as a command too."""
    found: dict[str, object] = {}

    def walk(command, words: list[str]) -> None:
        subcommands = getattr(command, "commands", {})
        if words and (not subcommands or getattr(command, "invoke_without_command", False)):
            found[" ".join(words)] = command
        for name, sub in subcommands.items():
            walk(sub, [*words, name])

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = command_tree()


def words_of(args: tuple[str, ...]) -> str:
    """The command an argument list runs: its longest leading run of words that names one."""
    for end in range(len(args), 0, -1):
        if " ".join(args[:end]) in COMMANDS:
            return " ".join(args[:end])
    raise AssertionError(f"{args} runs no photoflow command")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cli:
    """`photoflow` as a new process on the scenario's data folder; remembers every command it ran."""

    env: dict[str, str]
    cwd: Path
    ran: dict[str, list[subprocess.CompletedProcess[str]]] = field(default_factory=lambda: defaultdict(list))

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [PHOTOFLOW, *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=300,
            check=False,
        )
        self.ran[words_of(args)].append(result)
        assert "Traceback" not in result.stdout + result.stderr, (args, result.stderr)
        return result

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run it and require exit 0; returns standard output."""
        result = self(*args, stdin=stdin)
        assert result.returncode == 0, (args, result.returncode, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args: str, stdin: str | None = None):
        return json.loads(self.ok(*args, "--json", stdin=stdin))

    def started(self, *args: str) -> subprocess.Popen:
        """A server command started in the background (stopped by the scenario); counted as run."""
        self.ran[words_of(args)].append(subprocess.CompletedProcess(args, 0))
        return subprocess.Popen(
            [PHOTOFLOW, *args],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_for(url: str, process: subprocess.Popen, *, token: str | None = None, seconds: float = 60) -> str:
    """The body of `url` once the server answers it; fails if the server exits first."""
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while True:
        assert process.poll() is None, f"{process.args} exited early: {process.stdout.read()}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2) as answer:
                return answer.read().decode()
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> str:
    """Ctrl-C, as a person stops a foreground server; returns what it printed."""
    process.send_signal(2)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


@dataclass
class Scenario:
    cli: Cli
    rows: list[dict[str, str]]
    batch: int
    results: dict[str, object]


def small_jpeg(source: Path, target: Path) -> Path:
    from PIL import Image

    with Image.open(source) as image:
        image = image.convert("RGB")
        image.thumbnail((300, 300))
        image.save(target, quality=85)
    return target


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, deepface_home: Path
) -> Iterator[Scenario]:
    """One data folder taken through every command, in an operator's order."""
    from prefect.settings import PREFECT_API_URL

    root = tmp_path_factory.mktemp("cli-subprocess")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PHOTOFLOW_", "PREFECT_"))}
    env.pop("DATABASE_URL", None)
    token = "scenario-token"
    env.update(
        {
            "PHOTOFLOW_DATA_DIR": str(root / "data"),
            "PHOTOFLOW_DEEPFACE_HOME": str(deepface_home),
            "PHOTOFLOW_ACTOR": "ops-test",
            "PHOTOFLOW_PHOTO_WORKERS": "1",
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "PREFECT_HOME": str(root / "prefect"),
            "COLUMNS": "80",
            "PYTHONUNBUFFERED": "1",
            "PHOTOFLOW_REGISTRY_TOKEN": token,
            "PHOTOFLOW_REGISTRY_POLL_S": "0.1",
            "PHOTOFLOW_REGISTRY_BACKOFF_S": "0.1",
        }
    )
    cli = Cli(env, root)
    rows = students(4, seed=21)
    ids = [row["id_number"] for row in rows]
    results: dict[str, object] = {}

    cli.ok("db", "upgrade")
    results["contract"] = cli.json(*CONTRACT_ADD, "--services", "id")
    results["interception"] = cli.ok("contract", "interception", "--institution", INSTITUTION, "on")
    results["contracts"] = cli.json("contract", "list")
    results["template"] = cli.ok("template", "roster", "-o", "template.xlsx")

    roster = write_roster_workbook(root / "roster.xlsx", rows)
    upload = cli.json("roster", "upload", str(roster), *CONTRACT)
    batch = upload["batch_id"]
    results["upload"] = upload
    results["roster list"] = cli.ok("roster", "list")
    results["roster show"] = cli.json("roster", "show", str(upload["upload_id"]))

    photos = root / "photos"
    photos.mkdir()
    shutil.copyfile(NEUTRAL / "001_03.jpg", photos / f"{ids[0]}.jpg")
    shutil.copyfile(NEUTRAL / "002_03.jpg", photos / f"{ids[1]}.jpg")
    shutil.copyfile(SMILING / "005_08.jpg", photos / f"{ids[3]}.jpg")
    intake = cli(*["photo", "intake", str(photos), *CONTRACT, "--json"])
    results["intake"] = intake
    results["photo add"] = cli.json(
        "photo", "add", str(NEUTRAL / "003_03.jpg"), "--id-number", ids[2], *CONTRACT
    )
    results["photo review"] = cli.json("photo", "review", *CONTRACT)
    results["check"] = cli.json("check", str(NEUTRAL / "004_03.jpg"), "--out", "checked")
    results["compare"] = cli.json("compare", str(NEUTRAL / "001_03.jpg"), str(SMILING / "001_08.jpg"))

    results["screen"] = cli.json("approval", "screen", "--batch", str(batch))
    results["approve"] = cli.ok("manual", "approve", "--batch", str(batch), "--all")

    registry_photos = root / "id-registry"
    registry_photos.mkdir()
    small_jpeg(SMILING / "001_08.jpg", registry_photos / f"{ids[0]}.jpg")
    small_jpeg(SMILING / "006_08.jpg", registry_photos / f"{ids[1]}.jpg")  # someone else: held
    id_sim = cli.started("id-registry", "sim", "--folder", str(registry_photos), "--port", "0")
    line = id_sim.stdout.readline() + id_sim.stdout.readline()
    url = re.search(r"PHOTOFLOW_ID_REGISTRY=(\S+)", line)
    assert url, line
    cli.env["PHOTOFLOW_ID_REGISTRY"] = url.group(1)
    try:
        results["lookup"] = cli.json("id-registry", "lookup", ids[0])
        results["similarity"] = cli.json("similarity", "run", "--batch", str(batch))
    finally:
        results["id sim stopped"] = stop(id_sim)
    results["duplicates"] = cli.json("similarity", "duplicates", "--batch", str(batch))
    results["held"] = cli.json("held", "list", "--batch", str(batch))
    results["held table"] = cli.ok("held", "list")
    results["held wide"] = cli.ok("held", "list", "--wide")
    results["decide"] = cli.json(
        "held", "decide", "submit", "--id-number", ids[1], "--id-number", ids[2], "--yes"
    )

    enrollment = root / "enrollment.zip"
    with zipfile.ZipFile(enrollment, "w") as archive:
        archive.write(small_jpeg(SMILING / "002_08.jpg", root / "e.jpg"), f"{ids[1]}.jpg")
    results["enrollment upload"] = cli.json("enrollment", "upload", str(enrollment), "--batch", str(batch))
    results["enrollment list"] = cli.json("enrollment", "list", "--batch", str(batch))

    port = free_port()
    registry_sim = cli.started("registry-sim", "--port", str(port))
    cli.env["PHOTOFLOW_REGISTRY_URL"] = f"http://127.0.0.1:{port}"
    try:
        stats = f"http://127.0.0.1:{port}/api/v1/stats"
        wait_for(stats, registry_sim, token=token)
        results["submit"] = cli.json("registry", "submit", "--batch", str(batch))
        results["reconcile"] = cli.json("registry", "reconcile")
        results["registry received"] = json.loads(wait_for(stats, registry_sim, token=token))
    finally:
        results["registry sim stopped"] = stop(registry_sim)
    results["registry status"] = cli.json("registry", "status", "--batch", str(batch))
    results["retry"] = cli.ok("registry", "retry", "--batch", str(batch))

    order = cli.json(
        "print",
        "request",
        "--batch",
        str(batch),
        "--layout",
        "two_inch",
        "--address",
        "示范路 1 号",
        "--split-by",
        "department",
    )
    results["order"] = order
    results["printing"] = cli.ok("print", "status", str(order["id"]), "printing")
    results["shipped"] = cli.ok("print", "status", str(order["id"]), "shipped", "--note", "SF123")
    results["print show"] = cli.json("print", "show", str(order["id"]))
    results["print list"] = cli.json("print", "list")
    results["layouts"] = cli.ok("print", "layouts")

    results["downloadable"] = cli.json("download", "list", "--batch", str(batch))
    package = cli.json("download", "create", "--batch", str(batch))
    results["package"] = package
    results["packages"] = cli.json("download", "records")
    results["package files"] = cli.json("download", "get", str(package["id"]))
    export = cli.json("export", "--batch", str(batch))
    results["export"] = export
    results["exports"] = cli.json("export", "list")
    results["export get"] = cli.json("export", "get", str(export["id"]))
    results["billing"] = cli.json("billing", "--institution", INSTITUTION)
    results["progress"] = cli.json("progress", "--batch", str(batch))
    results["report"] = cli.json("report", "--out", "report")
    results["notify send"] = cli.json("notify", "send")
    results["notify list"] = cli.json("notify", "list")
    results["weights"] = cli.json("approval", "weights")
    results["approval report"] = cli.json("approval", "report")

    results["user add"] = cli.json(
        "user", "add", "ops1", "--role", "ops", "--password-stdin", stdin="testpass2026\n"
    )
    results["user password"] = cli.ok("user", "password", "ops1", "--password-stdin", stdin="otherpass2027\n")
    results["user disable"] = cli.ok("user", "disable", "ops1")
    results["user enable"] = cli.ok("user", "enable", "ops1")
    results["users"] = cli.json("user", "list")
    web_port = free_port()
    web = cli.started("serve", "--port", str(web_port))
    try:
        results["login page"] = wait_for(f"http://127.0.0.1:{web_port}/login", web)
    finally:
        stop(web)

    branch = write_roster_workbook(root / "branch.xlsx", students(2, seed=22))
    second = cli.json("roster", "upload", str(branch), *CONTRACT, "--learning-centre", "分校")
    results["delete"] = cli.json("roster", "delete", str(second["upload_id"]), "--yes")
    # the demo's whole run is tests/cli/test_demo.py's; here, that a new process reaches its folder check
    results["demo refused"] = cli("demo", "--workdir", str(photos))
    yield Scenario(cli, rows, batch, results)


def test_every_command_shows_its_help_in_a_new_process(tmp_path):
    env = {**os.environ, "PHOTOFLOW_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    env.pop("DATABASE_URL", None)

    def helped(words: str) -> tuple[str, subprocess.CompletedProcess]:
        return words, subprocess.run(
            [PHOTOFLOW, *words.split(), "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        for words, result in pool.map(helped, COMMANDS):
            assert result.returncode == 0, (words, result.stderr)
            assert f"Usage: photoflow {words}" in result.stdout, (words, result.stdout)
            assert "Traceback" not in result.stdout + result.stderr, words


@pytest.mark.flow
def test_every_command_has_a_real_call_here(scenario):
    assert sorted(set(COMMANDS) - set(scenario.cli.ran)) == []


def test_a_new_process_that_opens_the_database_sees_every_table():
    """The engine brings in every table: a command that imports one model can still write rows whose
    foreign keys name tables it never imported (`print status`'s event row and its batch)."""
    from sqlmodel import SQLModel

    import schemas.tables  # noqa: F401

    script = "import schemas.db, sqlmodel; print(' '.join(sorted(sqlmodel.SQLModel.metadata.tables)))"
    seen = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert seen.stdout.split() == sorted(SQLModel.metadata.tables)


def test_the_two_simulators_listen_on_different_ports_by_default():
    def port(words: str) -> int:
        [option] = [param for param in COMMANDS[words].params if param.name == "port"]
        return option.default

    assert port("registry-sim") != port("id-registry sim")


@pytest.mark.flow
def test_print_status_moves_an_order_to_printing_then_shipped(scenario):
    order, results = scenario.results["order"], scenario.results
    assert order["status"] == "waiting" and order["photos"] >= 1
    assert f"print order {order['id']}: 冲印中" in results["printing"]
    assert f"print order {order['id']}: 已寄出" in results["shipped"]
    assert results["print show"]["status"] == "shipped"
    assert [item["status"] for item in results["print list"]] == ["shipped"]
    assert all(
        Path(sub["sheets_path"]).is_absolute() and Path(sub["sheets_path"]).is_file()
        for sub in results["print show"]["sub_packages"]
    )


@pytest.mark.flow
def test_the_delete_and_demo_calls_did_what_they_say(scenario):
    assert scenario.results["delete"]["removed"] == 2
    refused = scenario.results["demo refused"]
    assert refused.returncode == 1 and "not made by the demo" in refused.stderr
    assert sorted(Path(scenario.cli.cwd, "photos").iterdir())  # nothing of someone else's wiped


@pytest.mark.flow
def test_json_paths_are_full_paths_to_files_that_exist(scenario):
    results = scenario.results
    paths = [
        results["export"]["path"],
        results["export get"]["path"],
        results["exports"][0]["path"],
        results["package"]["table_path"],
        results["package"]["photos_path"],
        results["packages"][0]["photos_path"],
        results["package files"]["table_path"],
        results["check"][0]["standardised"],
        *(item["path"] for item in results["report"]),
    ]
    assert all(Path(path).is_absolute() and Path(path).is_file() for path in paths), paths


@pytest.mark.flow
def test_roster_and_held_tables_are_readable_at_80_columns(scenario):
    results = scenario.results
    roster_list = results["roster list"]
    assert_readable_at_80(roster_list)
    [row] = table_rows(roster_list)
    assert [cell.strip() for cell in row[0].split("│")[1:3]] == [
        str(results["upload"]["upload_id"]),
        str(scenario.batch),
    ]
    held_names = [item["name"] for item in results["held"]]
    assert held_names and len(table_rows(results["held table"])) == len(held_names)
    assert_readable_at_80(results["held table"], *held_names)
    assert "Held since" in results["held wide"] and "Held since" not in results["held table"]
