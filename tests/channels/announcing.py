"""Helpers for announcement tests: a commune with hamlets, an approved bulletin, subscribers made the way citizens
make them (follow, /start, opt-in) or directly, and the delivery report."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from api.bulletins.models import Bulletin, Priority, Status
from api.bulletins.schemas import BulletinCreate
from api.bulletins.service import audio_key, create_bulletin
from api.channel_accounts.models import ChannelAccount
from api.communes.models import Commune
from api.db import transaction
from api.outbox.models import OutboxMessage
from api.subscriptions.hamlets import Hamlet, hamlet_key
from api.subscriptions.service import set_hamlet, subscribe
from broadcast.settings import BroadcastSettings
from tests.channels.conftest import TG_SECRET, fixture, zalo_signature

HAMLETS = ["Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5"]
ZNS_TEMPLATE = "7895417a7d3f9461cd2e"
ZNS_CASE_TEMPLATE = "5a1f7c2e9b3d4e6f8a0b"
_ids = itertools.count(1)


def set_hamlets(app: FastAPI, names: list[str] = HAMLETS) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune = session.scalar(select(Commune).where(Commune.slug == "xa-demo"))
        assert commune is not None
        commune.settings = {**(commune.settings or {}), "hamlets": names}


def configure_zalo(app: FastAPI, **config: Any) -> None:
    with transaction(app.state.sessionmaker) as session:
        account = session.scalar(select(ChannelAccount).where(ChannelAccount.channel == "zalo"))
        assert account is not None
        account.config = {**(account.config or {}), **config}


def configure_rate(app: FastAPI, channel: str, rate: float) -> None:
    with transaction(app.state.sessionmaker) as session:
        account = session.scalar(select(ChannelAccount).where(ChannelAccount.channel == channel))
        assert account is not None
        account.config = {**(account.config or {}), "rate_per_second": rate, "zns_rate_per_second": rate}


def approved_bulletin(app: FastAPI, commune_id: int, *, title: str, priority: Priority = Priority.thong_thuong) -> int:
    """An approved bulletin with (the record of) its audio; no synthesis needed to announce it."""
    with transaction(app.state.sessionmaker) as session:
        data = BulletinCreate(title=title, body=f"{title}. Đề nghị bà con chú ý theo dõi.", priority=priority)
        bulletin = create_bulletin(session, commune_id=commune_id, data=data, settings=BroadcastSettings())
        bulletin.status = Status.approved.value
        bulletin.audio_path = f"broadcast/xa-demo/bulletin-{bulletin.id}.mp3"
        bulletin.audio_hash = audio_key(bulletin)
        bulletin.audio_duration_seconds, bulletin.audio_loudness_lufs, bulletin.audio_true_peak_dbtp = 30.0, -23.0, -2.0
        bulletin.audio_engine, bulletin.audio_voice = "offline", "vi"
        return bulletin.id


def subscriber(app: FastAPI, commune_id: int, conversation_id: str, hamlet: str | None) -> None:
    with transaction(app.state.sessionmaker) as session:
        row, _ = subscribe(session, commune_id=commune_id, conversation_id=conversation_id, source="staff")
        if hamlet:
            set_hamlet(session, subscription=row, hamlet=Hamlet(hamlet, hamlet_key(hamlet)))


def zalo_event(fake_app_id: str, uid: str, *, text: str | None = None, event: str = "user_send_text") -> bytes:
    n = next(_ids)
    if event == "follow":
        payload = fixture("zalo/follow.json")
        payload["follower"]["id"] = uid
    else:
        payload = fixture("zalo/user_send_text.json")
        payload["sender"]["id"] = uid
        payload["message"] = {"text": text or "", "msg_id": f"ann{n:08d}{uid[-6:]}"}
    payload["timestamp"] = str(int(time.time() * 1000) + n)
    return json.dumps(payload, ensure_ascii=False).encode()


async def zalo_says(gateway: httpx.AsyncClient, app_id: str, uid: str, text: str | None, *, event: str = "") -> None:
    body = zalo_event(app_id, uid, text=text, event=event or "user_send_text")
    headers = {"X-ZEvent-Signature": zalo_signature(body, app_id=app_id), "Content-Type": "application/json"}
    response = await gateway.post("/webhooks/zalo/xa-demo", content=body, headers=headers)
    assert response.status_code == 200, response.text


async def telegram_says(gateway: httpx.AsyncClient, chat: int, text: str) -> None:
    update_ = fixture("telegram/start.json" if text == "/start" else "telegram/message_text.json")
    update_["update_id"] = 825000000 + next(_ids)
    update_["message"]["text"] = text
    update_["message"]["chat"]["id"] = update_["message"]["from"]["id"] = chat
    if text != "/start":
        update_["message"].pop("entities", None)
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    response = await gateway.post("/webhooks/telegram/xa-demo", json=update_, headers=headers)
    assert response.status_code == 200, response.text


def announcement_rows(app: FastAPI, bulletin_id: int) -> list[OutboxMessage]:
    from api.bulletins.models import AnnouncementDelivery

    with app.state.sessionmaker() as session:
        ids = select(AnnouncementDelivery.outbox_message_id).where(AnnouncementDelivery.bulletin_id == bulletin_id)
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))


def make_outside_window(app: FastAPI, conversation_id: str, days: float = 10) -> None:
    """Let time pass: the citizen last wrote ``days`` ago."""
    from datetime import timedelta

    from api.conversations.models import Conversation
    from api.db import utcnow
    from api.inbox_events.models import InboxEvent

    then = utcnow() - timedelta(days=days)
    with transaction(app.state.sessionmaker) as session:
        session.execute(
            update(InboxEvent).where(InboxEvent.conversation_id == conversation_id).values(received_at=then)
        )
        session.execute(
            update(Conversation).where(Conversation.conversation_id == conversation_id).values(last_inbound_at=then)
        )


def emergency() -> Priority:
    return Priority.khan_cap


__all__ = ["Bulletin"]


async def zalo_shares_phone(gateway: httpx.AsyncClient, app_id: str, uid: str, phone: str) -> None:
    """The citizen fills in Zalo's request_user_info form (user_submit_info): the gateway records the phone."""
    payload = fixture("zalo/user_submit_info.json")
    payload["sender"]["id"] = uid
    payload["info"]["phone"] = phone
    payload["timestamp"] = str(int(time.time() * 1000) + next(_ids))
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-ZEvent-Signature": zalo_signature(body, app_id=app_id), "Content-Type": "application/json"}
    response = await gateway.post("/webhooks/zalo/xa-demo", content=body, headers=headers)
    assert response.status_code == 200, response.text
