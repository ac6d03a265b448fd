"""The registry client against the simulator over real HTTP: retries, give-ups, refusals, answers.

Backoff is 0.01 s and timeouts are under a second, so faults cost milliseconds here. A few answers the
simulator never gives (Retry-After, a body that is not the contract's JSON) come from httpx's
MockTransport instead.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from pydantic import SecretStr

from photoflow.errors import PhotoflowError
from photoflow.registry.client import EntryAnswer, RegistryClient, RegistryRefused, RegistryUnavailable
from photoflow.registry.packages import build_package
from photoflow.sandbox.registry_simulator import PHOTO_REJECTED
from photoflow.settings import Settings
from tests.registry_helpers import entry, id_number

if TYPE_CHECKING:
    from tests.registry_sim import RunningRegistry


ANSWER = {
    "idempotency_key": "a" * 32,
    "state": "registered",
    "receipt": "R1",
    "reason_code": None,
    "reason": None,
}


def mocked(*responses: httpx.Response, **options: float) -> tuple[RegistryClient, list[httpx.Request]]:
    """A client whose requests get `responses` in turn, and the list of requests it made."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[len(seen) - 1]

    settings = {"tries": 3, "backoff_s": 0.01, "backoff_max_s": 0.05} | options
    client = RegistryClient(
        "http://registry.test", "secret-token", transport=httpx.MockTransport(answer), **settings
    )
    return client, seen


def test_a_package_gets_one_answer_per_entry_in_manifest_order(registry_sim: RunningRegistry) -> None:
    entries = [entry(i) for i in range(3)]
    with registry_sim.client() as client:
        answers = client.send_package(build_package("10001", "regular", entries))

    assert [a.idempotency_key for a in answers] == [e.idempotency_key for e in entries]
    assert all(isinstance(a, EntryAnswer) and a.state == "registered" and a.receipt for a in answers)


def test_retries_through_http_500s_and_then_gets_the_answers(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.fail_first = 3
    sent = entry(1)
    with registry_sim.client(tries=5) as client:
        answers = client.send_package(build_package("10001", "regular", [sent]))

    assert answers[0].state == "registered"
    stats = registry_sim.sim.stats()
    assert (stats["requests"], stats["faults_injected"]) == (4, 3)
    assert stats["registrations_by_key"] == {sent.registry_key: 1}


def test_gives_up_after_tries_naming_the_url_and_the_last_fault(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.fail_first = 10
    with registry_sim.client(tries=3) as client, pytest.raises(RegistryUnavailable) as raised:
        client.send_package(build_package("10001", "regular", [entry(1)]))

    message = str(raised.value)
    assert registry_sim.url in message and "3 tries" in message and "HTTP 500" in message
    assert registry_sim.sim.stats()["requests"] == 3


def test_a_timed_out_package_is_sent_again_and_registered_once(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.timeout_first, registry_sim.sim.faults.hang_s = 1, 5.0
    sent = entry(1)
    with registry_sim.client(timeout_s=0.3) as client:
        answers = client.send_package(build_package("10001", "regular", [sent]))

    assert answers[0].state == "registered"
    stats = registry_sim.sim.stats()
    assert (stats["packages"], stats["registered"], stats["duplicates"]) == (2, 1, 1)
    assert stats["registrations_by_key"] == {sent.registry_key: 1}


def test_a_slow_registry_past_every_timeout_is_unavailable(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.delay_s = 0.5
    with registry_sim.client(timeout_s=0.1, tries=2) as client, pytest.raises(RegistryUnavailable) as raised:
        client.query(["a" * 32])

    assert "no answer within 0.1 s" in str(raised.value)


def test_a_wrong_token_is_refused_after_exactly_one_request(registry_sim: RunningRegistry) -> None:
    wrong = RegistryClient(registry_sim.url, "wrong-token", backoff_s=0.01)
    with wrong, pytest.raises(RegistryRefused) as raised:
        wrong.send_package(build_package("10001", "regular", [entry(1)]))

    message = str(raised.value)
    assert "HTTP 401" in message and "token" in message and "PHOTOFLOW_REGISTRY_TOKEN" in message
    assert "wrong-token" not in message
    assert registry_sim.sim.stats()["requests"] == 1


def test_a_rejected_key_answers_rejected_with_the_registry_reason(registry_sim: RunningRegistry) -> None:
    registry_sim.sim.faults.reject_keys = {id_number(2)}
    with registry_sim.client() as client:
        kept, refused = client.send_package(build_package("10001", "regular", [entry(1), entry(2)]))

    assert kept.state == "registered" and kept.reason_code is None
    assert (refused.state, refused.reason_code, refused.reason) == (
        "rejected",
        "photo_rejected",
        PHOTO_REJECTED,
    )


def test_bad_file_entries_answer_rejected_as_bad_file(registry_sim: RunningRegistry) -> None:
    not_jpeg = entry(1, photo=b"GIF89a" + b"\0" * 32)
    with registry_sim.client() as client:
        (answer,) = client.send_package(build_package("10001", "regular", [not_jpeg]))

    assert (answer.state, answer.reason_code) == ("rejected", "bad_file")
    assert not_jpeg.file in (answer.reason or "")


def test_a_slow_decision_reads_processing_then_registered_through_query(
    registry_sim: RunningRegistry,
) -> None:
    registry_sim.sim.faults.decide_after_s = 0.3
    sent = entry(1)
    with registry_sim.client() as client:
        (first,) = client.send_package(build_package("10001", "regular", [sent]))
        (meanwhile,) = client.query([sent.idempotency_key])
        time.sleep(0.35)
        (later,) = client.query([sent.idempotency_key])

    assert (first.state, meanwhile.state, later.state) == ("processing", "processing", "registered")
    assert first.receipt == later.receipt


def test_a_key_never_sent_queries_as_unknown(registry_sim: RunningRegistry) -> None:
    with registry_sim.client() as client:
        (answer,) = client.query(["0" * 32])

    assert answer == EntryAnswer("0" * 32, "unknown")


def test_query_sends_at_most_1000_keys_per_request_and_keeps_the_order(registry_sim: RunningRegistry) -> None:
    keys = [f"{i:032x}" for i in range(2500)]
    with registry_sim.client() as client:
        answers = client.query(keys)

    assert [a.idempotency_key for a in answers] == keys
    assert registry_sim.sim.stats()["requests"] == 3
    assert client.query([]) == []


def test_a_body_that_is_not_a_zip_is_refused_and_not_retried(registry_sim: RunningRegistry) -> None:
    with registry_sim.client() as client, pytest.raises(RegistryRefused) as raised:
        client.send_package(b"PK? no, just text")

    assert "HTTP 400" in str(raised.value) and "not a zip" in str(raised.value)
    assert registry_sim.sim.stats()["requests"] == 1


def test_a_package_over_64_mib_is_refused_with_a_hint(registry_sim: RunningRegistry) -> None:
    with registry_sim.client() as client, pytest.raises(RegistryRefused) as raised:
        client.send_package(b"\0" * (64 * 1024 * 1024 + 1))

    assert "HTTP 413" in str(raised.value) and "PHOTOFLOW_REGISTRY_PACKAGE_SIZE" in str(raised.value)


def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, now closed again
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with (
        RegistryClient(url, "token", tries=2, backoff_s=0.01) as client,
        pytest.raises(RegistryUnavailable) as raised,
    ):
        client.query(["a" * 32])

    assert url in str(raised.value) and "ConnectError" in str(raised.value)


def test_retry_after_is_waited_for() -> None:
    client, seen = mocked(
        httpx.Response(503, headers={"Retry-After": "0.4"}),
        httpx.Response(200, json={"submissions": [ANSWER]}),
        backoff_max_s=1.0,
    )
    started = time.monotonic()
    with client:
        answers = client.query(["a" * 32])

    assert time.monotonic() - started >= 0.4  # backoff alone would have waited at most 0.05 s
    assert len(seen) == 2 and answers[0].state == "registered"


def test_retry_after_is_capped_at_the_longest_backoff() -> None:
    client, seen = mocked(
        httpx.Response(429, headers={"Retry-After": "3600"}),
        httpx.Response(200, json={"submissions": [ANSWER]}),
    )
    started = time.monotonic()
    with client:
        client.query(["a" * 32])

    assert time.monotonic() - started < 1 and len(seen) == 2


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>gateway login</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, json={"submissions": [{"idempotency_key": "a" * 32}]}),
        httpx.Response(200, json={"submissions": [ANSWER | {"state": "lost"}]}),
        httpx.Response(200, json={"submissions": [ANSWER | {"idempotency_key": "b" * 32}]}),
        httpx.Response(200, json={"submissions": []}),
    ],
    ids=["html", "no-state", "unknown-state", "other-key", "no-answer"],
)
def test_an_answer_that_is_not_the_contract_json_is_refused(response: httpx.Response) -> None:
    client, seen = mocked(response)
    with client, pytest.raises(RegistryRefused) as raised:
        client.query(["a" * 32])

    assert "http://registry.test" in str(raised.value) and "contract" in str(raised.value)
    assert len(seen) == 1


def test_an_unexpected_status_is_refused_with_the_registry_detail() -> None:
    client, _ = mocked(httpx.Response(404, json={"detail": "Not Found"}))
    with client, pytest.raises(RegistryRefused) as raised:
        client.send_package(b"zip")

    assert "HTTP 404: Not Found" in str(raised.value) and "PHOTOFLOW_REGISTRY_URL" in str(raised.value)


def test_retries_are_logged_as_warnings_without_the_token(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = mocked(httpx.Response(502), httpx.Response(200, json={"submissions": [ANSWER]}))
    with caplog.at_level(logging.WARNING, logger="photoflow.registry.client"), client:
        client.query(["a" * 32])

    (record,) = [r for r in caplog.records if r.name == "photoflow.registry.client"]
    assert record.levelno == logging.WARNING
    assert "HTTP 502" in record.getMessage() and "try 2 of 3" in record.getMessage()
    assert "secret-token" not in caplog.text


def test_requests_carry_the_bearer_token() -> None:
    client, seen = mocked(httpx.Response(200, json={"package": "P1", "entries": [ANSWER]}))
    with client:
        client.send_package(b"zip")

    assert seen[0].headers["Authorization"] == "Bearer secret-token"
    assert seen[0].headers["Content-Type"] == "application/zip"
    assert seen[0].url == "http://registry.test/api/v1/packages"


def test_from_settings_without_a_url_says_what_to_set() -> None:
    with pytest.raises(PhotoflowError, match="set PHOTOFLOW_REGISTRY_URL"):
        RegistryClient.from_settings(Settings(registry_url=None))


def test_from_settings_reaches_the_registry_with_its_token(registry_sim: RunningRegistry) -> None:
    settings = Settings(
        registry_url=registry_sim.url,
        registry_token=SecretStr(registry_sim.token),
        registry_tries=2,
        registry_backoff_s=0.01,
    )
    with RegistryClient.from_settings(settings) as client:
        assert client.tries == 2
        assert client.query(["a" * 32])[0].state == "unknown"


@pytest.mark.parametrize("url", ["ftp://registry.test", "registry.test/api", ""])
def test_a_url_that_is_not_http_is_refused_up_front(url: str) -> None:
    with pytest.raises(PhotoflowError, match="PHOTOFLOW_REGISTRY_URL"):
        RegistryClient(url, "token")
