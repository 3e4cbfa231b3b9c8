"""``xaso telegram set-webhook`` and ``xaso telegram poll``, run as real commands against the fake Bot API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.channel_accounts.models import ChannelAccount
from api.inbox_events.models import InboxEvent
from tests.channels.conftest import TG_SECRET, fixture
from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.paths import ROOT


def xaso(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XASO_DATABASE_URL": database_url, "XASO_DEFAULT_COMMUNE": "xa-demo"}
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "xaso"), "telegram", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def stored_secret(app: FastAPI) -> str:
    with app.state.sessionmaker() as session:
        account = session.scalar(select(ChannelAccount).where(ChannelAccount.channel == "telegram"))
        assert account is not None
        return account.secrets["webhook_secret"]


def test_set_webhook_registers_a_fresh_secret(app: FastAPI, database_url: str, telegram_account: FakeTelegram) -> None:
    url = "https://xaso.example.gov.vn/webhooks/telegram/xa-demo"
    result = xaso(database_url, "set-webhook", "--url", url)
    assert result.returncode == 0, result.stdout + result.stderr
    webhook = telegram_account.webhook
    assert webhook["url"] == url
    assert webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]
    secret = stored_secret(app)
    assert webhook["secret_token"] == secret and secret != TG_SECRET and len(secret) >= 32
    again = xaso(database_url, "set-webhook", "--url", url)
    assert again.returncode == 0 and stored_secret(app) not in (secret, TG_SECRET)


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    with serve(app, lifespan="on") as url:
        yield url


def test_poll_forwards_updates_through_the_webhook_route(
    app: FastAPI, database_url: str, telegram_account: FakeTelegram, live: str
) -> None:
    telegram_account.updates = [fixture("telegram/start.json"), fixture("telegram/message_text.json")]
    result = xaso(database_url, "poll", "--gateway", live, "--once")
    assert result.returncode == 0, result.stdout + result.stderr
    with app.state.sessionmaker() as session:
        events = session.scalars(select(InboxEvent).order_by(InboxEvent.id)).all()
    assert [e.event_id for e in events] == ["815200000", "815200001"]
    assert "deleteWebhook" in [c["method"] for c in telegram_account.calls]
