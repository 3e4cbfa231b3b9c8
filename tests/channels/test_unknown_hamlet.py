"""A citizen answering the hamlet question with a hamlet the commune does not list ("ấp 99") is asked again, the
name quoted and the commune's hamlets offered; nothing is recorded until a listed one is chosen."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from api.communes.models import Commune
from api.db import transaction
from api.province.onboarding import set_hamlets
from api.subscriptions.models import Subscription
from tests.channels.announcing import telegram_says
from tests.channels.conftest import drain
from tests.support.fake_telegram import FakeTelegram

CHAT = 5559901


async def test_an_unknown_hamlet_gets_a_clear_question(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram
) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune = session.scalars(select(Commune).where(Commune.slug == "xa-demo")).one()
        set_hamlets(session, commune=commune, names=["Ấp 1", "Ấp 2", "Ấp Hòa Thuận"])
    await telegram_says(gateway, CHAT, "/start")
    await drain(app)
    await telegram_says(gateway, CHAT, "tôi ở ấp 99")
    await drain(app)
    asked = telegram_account.texts(CHAT)[-1]
    assert "Ấp 99" in asked and "ấp nào" in asked, asked
    assert len(telegram_account.keyboards(CHAT)[-1]) == 3
    with app.state.sessionmaker() as session:
        row = session.scalars(select(Subscription)).one()
        assert row.hamlet is None and row.awaiting_hamlet
    await telegram_says(gateway, CHAT, "ap hoa thuan")
    await drain(app)
    with app.state.sessionmaker() as session:
        assert session.scalars(select(Subscription)).one().hamlet == "Ấp Hòa Thuận"
