"""The web tests' fixtures: the real web app on a local port, and a headless Chromium to drive it.

The web app runs under uvicorn in a background thread of the test process, on the test's own settings
(and so its own database), which lets a test set up rows, act in the browser, and then read the
database to see what the clicks did (`photoflow.sandbox.background_server`, which serves the registry
simulator in `tests/registry_sim.py` too). Chromium is Debian's (`/usr/bin/chromium`), launched once per
test session because starting it costs about a second; each test gets a fresh browser context, so
no cookie (no login) leaks from one test to the next.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from photoflow.sandbox.background_server import serving
from photoflow.settings import Settings
from photoflow.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}


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
    with serving(create_app(settings), name="live-server") as url:
        yield url


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page in a fresh context (no cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORT)
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()
