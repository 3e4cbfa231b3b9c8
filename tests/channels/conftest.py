"""Channel test fixtures: fake Zalo/Telegram servers on loopback, accounts pointing at them, an async gateway client."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from api.channel_accounts.service import upsert_account
from api.communes.service import get_commune
from api.db import transaction, utcnow
from api.inbox.processor import process_due
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.outbox.worker import deliver_due
from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.paths import FIXTURES

OA_SECRET = "fake-oa-secret-key"
TG_SECRET = "tg-webhook-secret-0123456789"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / Path(name)).read_text(encoding="utf-8"))
    return data


def zalo_signature(body: bytes, *, app_id: str, secret: str = OA_SECRET) -> str:
    timestamp = str(json.loads(body)["timestamp"])
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo()
    with serve(fake.asgi()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    with serve(fake.asgi()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def commune_id(app: FastAPI) -> int:
    with transaction(app.state.sessionmaker) as session:
        return get_commune(session, slug="xa-demo").id


@pytest.fixture
def zalo_account(app: FastAPI, fake_zalo: FakeZalo, commune_id: int) -> FakeZalo:
    with transaction(app.state.sessionmaker) as session:
        upsert_account(
            session,
            commune_id=commune_id,
            channel="zalo",
            config={"app_id": fake_zalo.app_id, "api_base": fake_zalo.url, "oauth_base": fake_zalo.url},
            secrets={"app_secret": fake_zalo.app_secret, "oa_secret_key": OA_SECRET},
            access_token="access-0",
            refresh_token="refresh-0",
            expires_in=90000,
        )
    return fake_zalo


@pytest.fixture
def telegram_account(app: FastAPI, fake_telegram: FakeTelegram, commune_id: int) -> FakeTelegram:
    with transaction(app.state.sessionmaker) as session:
        upsert_account(
            session,
            commune_id=commune_id,
            channel="telegram",
            config={"api_base": fake_telegram.url},
            secrets={"bot_token": fake_telegram.token, "webhook_secret": TG_SECRET},
        )
    return fake_telegram


@pytest.fixture
async def gateway(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in-process over ASGI; background jobs are driven explicitly with :func:`drain`."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        yield client
    await app.state.rasa.aclose()
    await app.state.http.aclose()
    from channels.telegram.connector import close_bots

    await close_bots()


async def drain(app: FastAPI, *, rounds: int = 100) -> None:
    """Run the inbox and outbox workers until nothing is due."""
    for _ in range(rounds):
        if await process_due(app) + await deliver_due(app) == 0:
            return
    raise AssertionError("workers still busy after many rounds")


def make_due(app: FastAPI) -> None:
    """Let time pass: every row waiting for a retry becomes due now."""
    past = utcnow() - timedelta(seconds=1)
    with transaction(app.state.sessionmaker) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(next_attempt_at=past))
        session.execute(update(InboxEvent).where(InboxEvent.status == "pending").values(next_attempt_at=past))
