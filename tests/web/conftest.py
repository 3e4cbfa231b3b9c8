"""Headless Chromium (Debian's) driven by Playwright, against the gateway served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, sync_playwright

from api.config import Settings
from tests.channels.botstack import bot_stack  # noqa: F401  (a fixture)
from tests.support.asgi_thread import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Not session-wide: while sync Playwright is open its event loop counts as running in this thread, which
    # breaks every later async test and every other sync_playwright() of the suite.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True})


@pytest.fixture
def live(app: FastAPI, request: pytest.FixtureRequest) -> Iterator[str]:
    port = request.getfixturevalue("bot_stack").gateway_port if "bot_stack" in request.fixturenames else None
    with serve(app, lifespan="on", port=port) as url:
        yield url
