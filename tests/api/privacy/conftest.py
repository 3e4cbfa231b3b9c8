from __future__ import annotations

import pytest

from api.config import Settings
from tests.api.cases.conftest import admin, file_case, make_staff, officer, other_commune  # noqa: F401
from tests.channels.conftest import commune_id, fake_telegram, telegram_account  # noqa: F401


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The gateway as in production: the privacy notice on (tests/support/gateway_fixtures.py turns it off)."""
    return settings.model_copy(update={"privacy_notice": True})
