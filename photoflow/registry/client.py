"""The registry's submission API (`docs/registry_api.md`) as photoflow calls it: send a package, query keys.

Faults come in two kinds, and the caller must be able to tell them apart:

- transient (refused or reset connections, timeouts, 429 and 5xx): retried here with exponential
  backoff and full jitter, so workers that failed together do not come back together; when every try
  fails, `RegistryUnavailable` says so and a later run sends again;
- permanent (400, 401, 403, 404, 413, 422, or an answer that is not the contract's JSON): sending the
  same request again cannot help, so it is not retried; `RegistryRefused` names the status and what the
  registry said.

Sending a package twice is safe: the registry keeps every idempotency key and answers a known key with
the state it already has, which is what makes retrying a timed-out package (that may have arrived) sound.
The token is never logged, and the URLs here hold no ID numbers (they travel in request bodies).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from photoflow.closing import Closing
from photoflow.errors import PhotoflowError
from photoflow.registry.api import MAX_QUERY_KEYS, PACKAGES, QUERY

if TYPE_CHECKING:
    from photoflow.settings import Settings

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
HINTS = {
    401: "set PHOTOFLOW_REGISTRY_TOKEN to a valid token",
    403: "the token is not allowed to submit; ask the registry's provider",
    404: "check PHOTOFLOW_REGISTRY_URL is the base URL of the registry's submission API",
    413: "send fewer photos per package (PHOTOFLOW_REGISTRY_PACKAGE_SIZE)",
}

EntryState = Literal["processing", "registered", "rejected", "unknown"]


@dataclass(frozen=True)
class EntryAnswer:
    """One entry's state as the registry tells it; `unknown` means it never received the key."""

    idempotency_key: str
    state: EntryState
    receipt: str | None = None
    reason_code: str | None = None
    reason: str | None = None


class RegistryUnavailable(PhotoflowError):
    """Transient faults went on through every try: the registry is down, slow or overloaded; try later."""


class RegistryRefused(PhotoflowError):
    """A permanent answer: the same request sent again would be refused again."""


class _PackageAnswer(BaseModel):
    package: str
    entries: list[EntryAnswer]


class _QueryAnswer(BaseModel):
    submissions: list[EntryAnswer]


Answer = TypeVar("Answer", bound=BaseModel)


class _Transient(Exception):
    """One try failed in a way that trying again may fix; `retry_after_s` is the server's wish, if any."""

    def __init__(self, fault: str, retry_after_s: float | None = None) -> None:
        super().__init__(fault)
        self.retry_after_s = retry_after_s


class RegistryClient(Closing):
    """A connection pool to one registry; safe to share between threads (httpx.Client is)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout_s: float = 30,
        tries: int = 5,
        backoff_s: float = 1.0,
        backoff_max_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        try:
            url = httpx.URL(base_url.strip().rstrip("/"))
        except httpx.InvalidURL:
            url = httpx.URL()
        if url.scheme not in ("http", "https") or not url.host:
            raise PhotoflowError(  # the URL itself is not repeated: it may hold a password
                "the registry URL is not an http:// or https:// URL with a host: check PHOTOFLOW_REGISTRY_URL"
            )
        if tries < 1:
            raise ValueError(f"tries must be 1 or more, not {tries}")
        # shown in messages and logs: without user:password@ or a query
        self.url = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path.rstrip('/')}"
        self.tries, self.timeout_s = tries, timeout_s
        self._jitter = wait_random_exponential(multiplier=backoff_s, max=backoff_max_s)
        self._backoff_max_s = backoff_max_s
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self._client = httpx.Client(base_url=url, headers=headers, timeout=timeout_s, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> RegistryClient:
        """The registry `PHOTOFLOW_REGISTRY_*` describe; refuses when no URL is set."""
        if not (settings.registry_url or "").strip():
            raise PhotoflowError(
                "no registry to submit to: set PHOTOFLOW_REGISTRY_URL to the base URL of the registry's "
                "submission API (for a local simulator: `photoflow registry-sim`, then "
                "PHOTOFLOW_REGISTRY_URL=http://127.0.0.1:8765)"
            )
        token = settings.registry_token.get_secret_value() if settings.registry_token else None
        return cls(
            settings.registry_url or "",
            token,
            timeout_s=settings.registry_timeout_s,
            tries=settings.registry_tries,
            backoff_s=settings.registry_backoff_s,
            backoff_max_s=settings.registry_backoff_max_s,
        )

    def send_package(self, package: bytes) -> list[EntryAnswer]:
        """Post one package (a zip from `build_package`); one answer per entry, in manifest order."""
        response = self._post(PACKAGES, content=package, headers={"Content-Type": "application/zip"})
        return self._parse(response, _PackageAnswer).entries

    def query(self, keys: Sequence[str]) -> list[EntryAnswer]:
        """The registry's state for each idempotency key, in the order given (1000 keys per request)."""
        answers: list[EntryAnswer] = []
        for start in range(0, len(keys), MAX_QUERY_KEYS):
            chunk = list(keys[start : start + MAX_QUERY_KEYS])
            found = self._parse(self._post(QUERY, json={"keys": chunk}), _QueryAnswer).submissions
            if [answer.idempotency_key for answer in found] != chunk:
                raise RegistryRefused(
                    f"the registry at {self.url} answered a query for {len(chunk)} keys with "
                    f"{len(found)} answers not in the order asked, against its contract; nothing was "
                    f"recorded from it"
                )
            answers += found
        return answers

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, **request: Any) -> httpx.Response:
        """`request` (httpx's content, json, headers) posted, with retries; a 200 answer or an error."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(self.tries),
            wait=self._wait,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._try_post, path, **request)
        except _Transient as last:
            raise RegistryUnavailable(
                f"the registry at {self.url} failed all {self.tries} tries (last: {last}); send again "
                f"later (a package sent twice is registered once)"
            ) from None

    def _try_post(self, path: str, **request: Any) -> httpx.Response:
        try:
            response = self._client.post(path, **request)
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {self.timeout_s:g} s") from None
        except httpx.TransportError as error:
            raise _Transient(f"connection failed: {type(error).__name__}") from None
        status = response.status_code
        if status in TRANSIENT_STATUSES:
            raise _Transient(f"HTTP {status}", _retry_after_s(response))
        if status != 200:
            hint = HINTS.get(status, "")
            raise RegistryRefused(
                f"the registry at {self.url} refused {path} with HTTP {status}: {_detail(response)}"
                + (f"; {hint}" if hint else "")
            )
        return response

    def _wait(self, state: RetryCallState) -> float:
        """Full jitter, unless the registry said when to come back (never longer than backoff_max_s)."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after_s is not None:
            return min(error.retry_after_s, self._backoff_max_s)
        return self._jitter(state)

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "registry %s: %s; try %d of %d in %.2f s",
            self.url,
            error,
            state.attempt_number + 1,
            self.tries,
            pause,
        )

    def _parse(self, response: httpx.Response, model: type[Answer]) -> Answer:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "the body"
            raise RegistryRefused(
                f"the registry at {self.url} answered HTTP 200 with something other than the contract's "
                f"JSON ({where}: {problem['msg']}; content type "
                f"'{response.headers.get('content-type', 'none')}'): check PHOTOFLOW_REGISTRY_URL"
            ) from None


def _retry_after_s(response: httpx.Response) -> float | None:
    """A numeric `Retry-After` in seconds; the HTTP-date form is ignored (full jitter applies)."""
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _detail(response: httpx.Response) -> str:
    """What the registry said: its `detail`, else the start of its body."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    text = str(detail) if detail is not None else response.text.strip()
    return text[:300] or "no detail given"
