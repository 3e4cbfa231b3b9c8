"""Headless Chromium (Debian's) driven by Playwright, against the gateway served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from api.config import Settings
from tests.support.browser import launched_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as instance:
        yield instance


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True})
