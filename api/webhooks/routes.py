"""Webhooks: authenticate, store the raw event (deduplicated) and answer; the inbox worker does the rest.

The web chat is the exception that keeps Rasa's REST contract: it answers with the bot's replies synchronously,
still storing the message first.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.channel_accounts.service import credentials_for
from api.communes.service import get_commune
from api.conversations.flows import Context, Turn, route_locally, to_rasa
from api.deps import SettingsDep
from api.errors import NotFound, PayloadTooLarge, PermissionDenied, Unauthorized, ValidationFailed
from api.inbox.models import PENDING, PROCESSING
from api.inbox.service import Stored, store_event
from api.outbox.signals import notify
from api.webhooks.schemas import WebMessageIn
from channels import registry
from channels.base import Credentials, InboundMessage, InboundRejected

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 256 * 1024
COMMUNE_CACHE_SECONDS = 60.0  # the web chat's hot path skips a lookup per message; communes are rarely added
_commune_ids: dict[str, tuple[int, float]] = {}


def _cached_commune_id(slug: str) -> int | None:
    cached = _commune_ids.get(slug)
    return cached[0] if cached is not None and cached[1] > time.monotonic() else None


def _commune_id(factory: sessionmaker[Session], slug: str) -> int:
    with factory() as session:
        commune_id = get_commune(session, slug=slug).id
    _commune_ids[slug] = (commune_id, time.monotonic() + COMMUNE_CACHE_SECONDS)
    return commune_id


def _account(factory: sessionmaker[Session], slug: str, channel: str) -> tuple[int, Credentials | None]:
    with factory() as session:
        commune = get_commune(session, slug=slug)
        return commune.id, credentials_for(session, commune_id=commune.id, commune_slug=slug, channel=channel)


async def _platform_webhook(request: Request, channel_name: str, commune: str) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge("Dữ liệu gửi lên quá lớn.")
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    commune_id, credentials = await run_in_threadpool(_account, factory, commune, channel_name)
    channel = registry.get(channel_name)
    try:
        channel.verify(headers=request.headers, body=body, credentials=credentials)
    except InboundRejected as exc:
        error = Unauthorized if exc.status_code == 401 else PermissionDenied
        raise error(exc.message, code="webhook_not_authenticated") from None
    try:
        payload = json.loads(body)
        messages = channel.parse(payload, commune=commune) if isinstance(payload, dict) else None
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"Sự kiện không đọc được: {type(exc).__name__}", code="invalid_event") from None
    if messages is None:
        raise ValidationFailed("Nội dung gửi lên phải là một đối tượng JSON.", code="invalid_event")
    if not messages:
        return {"ok": True, "stored": False}  # echoes of our own messages and events we do not act on
    message = messages[0]
    stored = await run_in_threadpool(
        store_event,
        factory,
        commune_id=commune_id,
        channel=channel_name,
        event_id=message.event_id,
        conversation_id=message.conversation_id,
        raw=body.decode("utf-8", errors="replace"),
    )
    if stored.created:
        notify(request.app, "inbox")
    return {"ok": True, "stored": stored.created, "duplicate": not stored.created}


@router.post("/webhooks/zalo/{commune}", summary="Webhook Zalo OA của một xã")
async def zalo_webhook(commune: str, request: Request) -> dict[str, Any]:
    return await _platform_webhook(request, "zalo", commune)


@router.post("/webhooks/telegram/{commune}", summary="Webhook bot Telegram của một xã")
async def telegram_webhook(commune: str, request: Request) -> dict[str, Any]:
    return await _platform_webhook(request, "telegram", commune)


def _web_reply(reply: dict[str, Any], sender: str) -> dict[str, Any]:
    return {**reply, "recipient_id": sender}


def _store_and_route(
    factory: sessionmaker[Session], commune_id: int, slug: str, message: InboundMessage, raw: str
) -> tuple[Stored, Context, Turn | None]:
    """Store the web message (claimed by this request), then decide whether the gateway answers it itself: one trip
    to the thread pool instead of two on every web turn."""
    stored = store_event(
        factory,
        commune_id=commune_id,
        channel="web",
        event_id=message.event_id,
        conversation_id=message.conversation_id,
        raw=raw,
        claim_now=True,
    )
    ctx = Context(stored.id, commune_id, slug, "web", inline=True)
    claimed = stored.created and stored.status == PROCESSING
    return stored, ctx, route_locally(factory, ctx, message) if claimed else None


@router.post("/webhooks/web", summary="Kênh web (dạng REST của Rasa)")
async def web_webhook(body: WebMessageIn, request: Request, settings: SettingsDep) -> list[dict[str, Any]]:
    slug = (body.metadata.commune if body.metadata else None) or settings.default_commune
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    commune_id = _cached_commune_id(slug)
    if commune_id is None:
        try:
            commune_id = await run_in_threadpool(_commune_id, factory, slug)
        except NotFound as exc:  # name the field the caller can fix
            raise NotFound(exc.message, code=exc.code, field="metadata.commune") from None
    raw: dict[str, Any] = body.model_dump(exclude_none=True)
    message: InboundMessage = registry.get("web").parse(raw, commune=slug)[0]
    raw_event = json.dumps({**raw, "metadata": {**raw.get("metadata", {}), "message_id": message.event_id}})
    stored, ctx, turn = await run_in_threadpool(_store_and_route, factory, commune_id, slug, message, raw_event)
    if not stored.created:
        return [_web_reply(r, body.sender) for r in stored.response or []]
    if stored.status == PENDING:  # behind older messages still waiting: the worker answers in order, by push
        notify(request.app, "inbox")
        return []
    if turn is None:
        turn = await to_rasa(request.app, ctx, message)
    if turn.queued:
        notify(request.app, "outbox")
    return [_web_reply(r, body.sender) for r in turn.replies]
