"""The registry simulator keeps the contract in `docs/registry_api.md`: spoken to here in plain HTTP.

These tests read the wire format (status codes, JSON fields) rather than going through the client, so
that the client's tests and these check each side against the contract, not against each other.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from photoflow.cli.registry_sim import registry_sim as registry_sim_command
from photoflow.errors import PhotoflowError
from photoflow.registry.packages import MANIFEST, PackageEntry, build_package
from photoflow.sandbox import registry_server as sim_server
from photoflow.sandbox.registry_simulator import PHOTO_REJECTED, Faults, RegistrySimulator
from tests.registry_helpers import TOKEN, entry, id_number, spec_jpeg

if TYPE_CHECKING:
    from tests.registry_sim import RunningRegistry


AUTH = {"Authorization": f"Bearer {TOKEN}"}
OTHER_FORMAT = b'{"format": "other/9", "institution_code": "1", "category": "x", "entries": []}'


def post_package(registry: RunningRegistry, package: bytes, **options: Any) -> httpx.Response:
    return httpx.post(f"{registry.url}/api/v1/packages", content=package, headers=AUTH, **options)


def query(registry: RunningRegistry, keys: list[str]) -> list[dict[str, Any]]:
    answer = httpx.post(f"{registry.url}/api/v1/submissions/query", json={"keys": keys}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return answer.json()["submissions"]


def rewritten(package: bytes, *, drop: str | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """`package` with one member dropped or some members' bytes replaced (the manifest unchanged)."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != drop:
                target.writestr(name, replace.get(name, source.read(name)))
    return out.getvalue()


def test_package_registers_every_entry_and_answers_in_manifest_order(registry_sim: RunningRegistry) -> None:
    entries = [entry(i) for i in range(3)]
    answer = post_package(registry_sim, build_package("10001", "regular", entries))

    assert answer.status_code == 200
    body = answer.json()
    assert body["package"]
    assert [e["idempotency_key"] for e in body["entries"]] == [e.idempotency_key for e in entries]
    assert {e["state"] for e in body["entries"]} == {"registered"}
    assert len({e["receipt"] for e in body["entries"]}) == 3
    assert all(e["reason_code"] is None and e["reason"] is None for e in body["entries"])
    stats = registry_sim.sim.stats()
    assert (stats["packages"], stats["entries_received"], stats["registered"]) == (1, 3, 3)
    assert stats["registrations_by_key"] == {e.registry_key: 1 for e in entries}


def test_resent_package_gets_the_same_answers_and_registers_nothing_again(
    registry_sim: RunningRegistry,
) -> None:
    package = build_package("10001", "regular", [entry(1), entry(2)])
    first = post_package(registry_sim, package).json()["entries"]
    second = post_package(registry_sim, package).json()["entries"]

    assert second == first
    stats = registry_sim.sim.stats()
    assert (stats["entries_received"], stats["duplicates"], stats["registered"]) == (4, 2, 2)
    assert set(stats["registrations_by_key"].values()) == {1}


def test_a_key_repeated_within_one_package_is_a_duplicate(registry_sim: RunningRegistry) -> None:
    once = entry(1)
    again = PackageEntry(once.idempotency_key, id_number(2), "学生2", spec_jpeg(2))
    answers = post_package(registry_sim, build_package("10001", "regular", [once, again])).json()["entries"]

    assert answers[0] == answers[1]
    assert registry_sim.sim.stats()["duplicates"] == 1
    assert registry_sim.sim.stats()["registrations_by_key"] == {once.registry_key: 1}


def test_rejected_key_answers_photo_rejected_with_a_bilingual_reason(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.reject_keys = {id_number(2)}
    answers = post_package(registry_sim, build_package("10001", "regular", [entry(1), entry(2)])).json()

    kept, refused = answers["entries"]
    assert kept["state"] == "registered"
    assert refused["state"] == "rejected"
    assert refused["reason_code"] == "photo_rejected"
    assert refused["reason"] == PHOTO_REJECTED
    assert "请重新拍摄" in refused["reason"] and "take a new one" in refused["reason"]
    assert registry_sim.sim.stats()["registrations_by_key"] == {id_number(1): 1}


def test_reject_rate_picks_the_same_keys_for_the_same_seed() -> None:
    def rejected(seed: int) -> set[str]:
        sim = RegistrySimulator(TOKEN, Faults(reject_rate=0.5, seed=seed))
        entries = [entry(i) for i in range(40)]
        with TestClient(sim.app) as client:
            answer = client.post(
                "/api/v1/packages", content=build_package("10001", "regular", entries), headers=AUTH
            )
        states = {e.registry_key: a["state"] for e, a in zip(entries, answer.json()["entries"], strict=True)}
        return {key for key, state in states.items() if state == "rejected"}

    assert rejected(seed=3) == rejected(seed=3)
    assert 5 < len(rejected(seed=3)) < 35
    assert rejected(seed=3) != rejected(seed=4)


def test_bad_files_are_rejected_as_bad_file_naming_the_file(registry_sim: RunningRegistry) -> None:
    missing, altered, not_jpeg, fine = (
        entry(1),
        entry(2),
        entry(3, photo=b"\x89PNG\r\n\x1a\n" + b"0" * 64),
        entry(4),
    )
    package = build_package("10001", "regular", [missing, altered, not_jpeg, fine])
    package = rewritten(package, drop=missing.file, replace={altered.file: altered.photo + b"tampered"})

    answers = post_package(registry_sim, package).json()["entries"]

    assert [a["state"] for a in answers] == ["rejected", "rejected", "rejected", "registered"]
    assert {a["reason_code"] for a in answers[:3]} == {"bad_file"}
    assert "missing" in answers[0]["reason"] and missing.file in answers[0]["reason"]
    assert "SHA-256" in answers[1]["reason"] and altered.file in answers[1]["reason"]
    assert "not a JPEG" in answers[2]["reason"] and not_jpeg.file in answers[2]["reason"]
    assert registry_sim.sim.stats()["rejected"] == 3
    assert registry_sim.sim.stats()["registrations_by_key"] == {fine.registry_key: 1}


EMPTY = build_package("10001", "regular", [])


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"this is not a zip", "not a zip"),
        (rewritten(EMPTY, drop=MANIFEST), f"no {MANIFEST}"),
        (rewritten(EMPTY, replace={MANIFEST: b"{not json"}), "does not parse"),
        (rewritten(EMPTY, replace={MANIFEST: OTHER_FORMAT}), "other/9"),
    ],
    ids=["not-zip", "no-manifest", "manifest-not-json", "unknown-format"],
)
def test_a_package_that_cannot_be_read_is_refused_whole_with_400(
    registry_sim: RunningRegistry, body: bytes, detail: str
) -> None:
    answer = post_package(registry_sim, body)

    assert answer.status_code == 400
    assert detail in answer.json()["detail"]
    assert registry_sim.sim.stats()["packages"] == 0


def test_a_missing_or_wrong_token_is_401(registry_sim: RunningRegistry) -> None:
    package = build_package("10001", "regular", [entry(1)])
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = httpx.post(f"{registry_sim.url}/api/v1/packages", content=package, headers=headers)
        assert answer.status_code == 401
        assert "token" in answer.json()["detail"]
    stats_answer = httpx.get(f"{registry_sim.url}/api/v1/stats")
    assert stats_answer.status_code == 401
    assert registry_sim.sim.stats()["entries_received"] == 0


def test_a_body_over_64_mib_is_413(registry_sim: RunningRegistry) -> None:
    answer = post_package(registry_sim, b"\0" * (64 * 1024 * 1024 + 1))

    assert answer.status_code == 413
    assert registry_sim.sim.stats()["packages"] == 0


def test_query_answers_in_the_order_asked_with_unknown_for_keys_never_sent(
    registry_sim: RunningRegistry,
) -> None:
    sent = entry(1)
    receipt = post_package(registry_sim, build_package("10001", "regular", [sent])).json()["entries"][0][
        "receipt"
    ]

    answers = query(registry_sim, ["f" * 32, sent.idempotency_key])

    assert answers[0] == {
        "idempotency_key": "f" * 32,
        "state": "unknown",
        "receipt": None,
        "reason_code": None,
        "reason": None,
    }
    assert answers[1]["state"] == "registered" and answers[1]["receipt"] == receipt


def test_query_of_more_than_1000_keys_is_400(registry_sim: RunningRegistry) -> None:
    keys = [f"{i:032x}" for i in range(1001)]
    answer = httpx.post(f"{registry_sim.url}/api/v1/submissions/query", json={"keys": keys}, headers=AUTH)

    assert answer.status_code == 400
    assert "keys" in answer.json()["detail"]


def test_decisions_are_told_only_after_decide_after_s(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.decide_after_s = 0.3
    registry_sim.sim.faults.reject_keys = {id_number(2)}
    kept, refused = entry(1), entry(2)
    answers = post_package(registry_sim, build_package("10001", "regular", [kept, refused])).json()["entries"]
    assert [a["state"] for a in answers] == ["processing", "processing"]
    assert all(a["receipt"] and a["reason"] is None for a in answers)

    time.sleep(0.35)

    later = query(registry_sim, [kept.idempotency_key, refused.idempotency_key])
    assert [a["state"] for a in later] == ["registered", "rejected"]
    assert later[1]["reason_code"] == "photo_rejected"
    assert [a["receipt"] for a in later] == [a["receipt"] for a in answers]


def test_fail_first_answers_500_before_even_the_token_is_checked(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.fail_first = 2
    statuses = [
        httpx.post(f"{registry_sim.url}/api/v1/submissions/query", json={"keys": []}).status_code
        for _ in range(3)
    ]

    assert statuses == [500, 500, 401]
    stats = registry_sim.sim.stats()
    assert (stats["requests"], stats["faults_injected"]) == (3, 2)


def test_error_rate_fails_the_same_requests_for_the_same_seed() -> None:
    def statuses(seed: int) -> list[int]:
        sim = RegistrySimulator(TOKEN, Faults(error_rate=0.5, seed=seed))
        with TestClient(sim.app) as client:
            return [
                client.post("/api/v1/submissions/query", json={"keys": []}, headers=AUTH).status_code
                for _ in range(30)
            ]

    assert statuses(seed=1) == statuses(seed=1)
    assert 5 < statuses(seed=1).count(500) < 25
    assert set(statuses(seed=1)) == {200, 500}


def test_a_withheld_answer_registers_the_package_and_holds_up_no_other_request(
    registry_sim: RunningRegistry,
) -> None:
    registry_sim.sim.faults.timeout_first, registry_sim.sim.faults.hang_s = 1, 5.0
    sent = entry(1)
    outcome: list[object] = []

    def send() -> None:
        try:
            post_package(registry_sim, build_package("10001", "regular", [sent]), timeout=0.5)
        except httpx.TimeoutException as error:
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.2)
    started = time.monotonic()
    answers = query(registry_sim, [sent.idempotency_key])  # while the package's answer is held back
    quick = time.monotonic() - started
    sender.join()

    assert quick < 0.3
    assert answers[0]["state"] == "registered"
    assert len(outcome) == 1  # the sender timed out
    assert registry_sim.sim.stats()["faults_injected"] == 1


def test_delay_s_slows_every_answer(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.delay_s = 0.3
    started = time.monotonic()
    query(registry_sim, [])

    assert time.monotonic() - started >= 0.3


def test_stats_are_served_to_the_token_holder(registry_sim: RunningRegistry) -> None:
    post_package(registry_sim, build_package("10001", "regular", [entry(1)]))
    answer = httpx.get(f"{registry_sim.url}/api/v1/stats", headers=AUTH)

    assert answer.status_code == 200
    assert answer.json() == registry_sim.sim.stats()
    assert registry_sim.sim.stats()["requests"] == 1  # /stats is not counted


def test_fault_description_counts_rejected_id_numbers_without_naming_them() -> None:
    faults = Faults(fail_first=2, reject_keys={id_number(1), id_number(2)}, decide_after_s=1.5)

    line = faults.describe()

    assert "fail the next 2 requests" in line and "reject 2 ID numbers" in line and "1.5 s" in line
    assert id_number(1) not in line
    assert Faults().describe() == "none"


def test_registry_sim_command_turns_its_options_into_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[RegistrySimulator, str, int]] = []
    monkeypatch.setattr(
        sim_server, "serve_simulator", lambda sim, host, port: served.append((sim, host, port))
    )
    monkeypatch.setenv("PHOTOFLOW_REGISTRY_TOKEN", "from-the-environment")
    command = typer.Typer()
    command.command()(registry_sim_command)

    options = ["--port", "9000", "--fail-first", "2", "--decide-after-s", "1.5"]
    lower_x = id_number(18).lower()  # ends in the check letter, typed in lower case
    result = CliRunner().invoke(command, [*options, "--reject", id_number(1), "--reject", lower_x])

    assert result.exit_code == 0, result.output
    ((sim, host, port),) = served
    assert (host, port, sim.token) == ("127.0.0.1", 9000, "from-the-environment")
    assert (sim.faults.fail_first, sim.faults.decide_after_s) == (2, 1.5)
    assert sim.faults.reject_keys == {id_number(1), id_number(18)}
    assert "http://127.0.0.1:9000" in result.output and "reject 2 ID numbers" in result.output
    assert id_number(1) not in result.output


@pytest.mark.parametrize(
    "arguments", [[], ["--token", "t", "--error-rate", "1.5"], ["--token", "t", "--port", "0"]]
)
def test_registry_sim_command_refuses_bad_options(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    monkeypatch.delenv("PHOTOFLOW_REGISTRY_TOKEN", raising=False)
    monkeypatch.setattr(sim_server, "serve_simulator", lambda *_: pytest.fail("served despite bad options"))
    command = typer.Typer()
    command.command()(registry_sim_command)

    assert CliRunner().invoke(command, arguments).exit_code == 2


def test_serving_on_a_busy_port_is_an_error_for_people() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(PhotoflowError, match=f"cannot listen on 127.0.0.1:{port}"):
            sim_server.serve_simulator(RegistrySimulator(TOKEN), "127.0.0.1", port)
