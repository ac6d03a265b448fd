"""The real web app on a local port, and a headless Chromium to drive it: fixtures for browser tests.

The app runs under uvicorn in a background thread of the test process, on the test's own settings
(and so its own database), which lets a test set up rows, act in the browser, and then read the
database to see what the clicks did. Chromium is Debian's (`/usr/bin/chromium`), launched once per
test session because starting it costs about a second; each test gets a fresh browser context, so
no cookie (no login) leaks from one test to the next.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from photoflow.review_app.app import create_app
from photoflow.settings import Settings

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}
START_TIMEOUT_S = 10.0


class LiveServer:
    """The app served by uvicorn in a daemon thread on 127.0.0.1, on a port the OS picks."""

    def __init__(self, settings: Settings) -> None:
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=0, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def start(self) -> str:
        """Start serving and return the base URL once the socket is listening."""
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start under uvicorn (see the log above)")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT_S)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium; no sandbox, because the tests run as root in a container."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The base URL of the app serving this test's settings; stopped before the database is cleaned."""
    server = LiveServer(settings)
    yield server.start()
    server.stop()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh context (no cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()
