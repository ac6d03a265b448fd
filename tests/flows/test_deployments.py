"""prefect.yaml: every deployment names a flow that exists, the reconcilers are scheduled, and the
README's operations lines work as typed against a real Prefect server."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prefect import Flow

from tests.paths import PROJECT
from tests.smtp_server import free_port

PREFECT = Path(sys.executable).parent / "prefect"


def test_every_deployment_names_a_flow_that_imports_and_the_reconcilers_run_on_a_schedule():
    deployments = yaml.safe_load((PROJECT / "prefect.yaml").read_text())["deployments"]
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["name"]
    scheduled = {d["name"] for d in deployments if d.get("schedules")}
    assert scheduled == {"advance", "registry-reconcile", "notifications", "report", "approval-weights"}


def test_every_deployment_parameter_is_a_parameter_of_its_flow():
    for deployment in yaml.safe_load((PROJECT / "prefect.yaml").read_text())["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        accepted = flow.parameters.properties
        assert set(deployment.get("parameters", {})) <= set(accepted), deployment["name"]


def operations_commands() -> list[str]:
    """The shell lines of the README's Operations block, continuations joined, in the order ops type them."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Operations", 1)[1]
    block = section.split("```", 2)[1]
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real `prefect server start` on a free port, PREFECT_HOME in tmp_path; yields the env to reach it."""
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env |= {
        "PATH": f"{PREFECT.parent}{os.pathsep}{env.get('PATH', '')}",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [str(PREFECT), "server", "start", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 120
        while not _healthy(env["PREFECT_API_URL"]):
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the Prefect server did not answer within 120 s"
            time.sleep(0.5)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).is_success
    except httpx.HTTPError:
        return False


def test_the_readme_operations_lines_deploy_and_start_a_batch_run_whose_parameters_the_flow_accepts(
    prefect_server: dict[str, str],
):
    commands = operations_commands()
    # The server runs (on a free port, API_URL set) and a worker would only block: run everything else.
    typed = [c for c in commands if not c.startswith(("prefect server start", "export ", "prefect worker"))]
    assert [c.split(" -")[0].split(" --")[0] for c in typed] == [
        "prefect work-pool create photoflow",
        "prefect deploy",
        "prefect deployment run batch/batch",
    ], commands
    for command in typed:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=PROJECT,
            env=prefect_server,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout).group(1)
    flow_run = httpx.get(f"{prefect_server['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10).json()
    assert flow_run["state_type"] == "SCHEDULED"
    parameters = flow_run["parameters"]
    assert parameters["institution"] == "10001" and parameters["rosters"] == ["/srv/in/roster.xlsx"]
    from flows.batch import batch_flow

    assert batch_flow.validate_parameters(parameters)["print_split_by"] == ["department"]
