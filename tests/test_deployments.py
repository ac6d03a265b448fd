"""prefect.yaml: every deployment names a flow that exists, and the reconcilers are scheduled."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect import Flow

PROJECT = Path(__file__).resolve().parents[1]


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
