"""Webhooks: authenticate, store the raw event (deduplicated) and answer; the inbox worker does the rest.

The web chat is the exception that keeps Rasa's REST contract: it answers with the bot's replies synchronously,
still storing the message first.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.auth.guards import client_address
from api.channel_accounts.service import credentials_for
from api.communes.service import get_commune
from api.config import Settings
from api.deps import SettingsDep
from api.errors import NotFound, PayloadTooLarge, PermissionDenied, Unauthorized
from api.inbox.failures import record_failure
from api.inbox.jobs import keep_leased
from api.inbox.service import Stored, store_event
from api.inbox.turns import Context, Turn, handle
from api.inbox_events.models import PENDING
from api.infra.budgets import EMERGENCY_NUMBERS, wait_text
from api.infra.budgets import budgets as web_budgets
from api.infra.signals import notify
from api.safety import flows as safety
from api.safety.lexicon import classify
from api.webhooks.schemas import PLATFORM_SCHEMAS, WebMessageIn
from channels import registry
from channels.base import Credentials, InboundMessage, InboundRejected

router = APIRouter(tags=["webhooks"])
log = logging.getLogger(__name__)

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


def _ignored(reason: str) -> dict[str, Any]:
    """Authenticated but unusable: 200 so the platform stops retrying (Telegram retries 5xx for hours), logged."""
    log.warning("Webhook event ignored: %s", reason)
    return {"ok": True, "stored": False, "ignored": reason}


def _too_old(channel: object, payload: dict[str, Any], max_age: float) -> bool:
    """Signed events carry their time; one outside the window is a replay of a captured delivery."""
    event_time = getattr(channel, "event_time", None)
    if event_time is None:
        return False
    moment = event_time(payload)
    return moment is None or abs(time.time() - moment) > max_age


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
    except ValueError:
        return _ignored("invalid_json")
    if not isinstance(payload, dict):
        return _ignored("not_an_object")
    schema = PLATFORM_SCHEMAS.get(channel_name)
    if schema is not None:
        try:
            schema.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            return _ignored(f"unexpected_shape:{'.'.join(str(p) for p in first.get('loc', ()))}")
    settings: Settings = request.app.state.settings
    if _too_old(channel, payload, settings.zalo_event_max_age_seconds):
        raise PermissionDenied(
            "Sự kiện quá cũ hoặc thiếu thời điểm (có thể là gửi lại một sự kiện đã bắt được).", code="stale_event"
        )
    try:
        messages = channel.parse(payload, commune=commune)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _ignored(f"unparsable:{type(exc).__name__}")
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
        priority=safety.inbox_priority(message),
    )
    if stored.created:
        notify(request.app, "inbox")
    return {"ok": True, "stored": stored.created, "duplicate": not stored.created}


def _documented(schema: type[BaseModel]) -> dict[str, Any]:
    """The platform's payload in OpenAPI (read from the raw body, so the signature is checked on exact bytes)."""
    raw = schema.model_json_schema()
    definitions = raw.pop("$defs", {})

    def inline(node: Any) -> Any:  # the models are not recursive: $defs can be inlined for OpenAPI
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    body = {"application/json": {"schema": inline(raw)}}
    return {"requestBody": {"required": True, "content": body}}


@router.post(
    "/webhooks/zalo/{commune}",
    summary="Webhook Zalo OA của một xã",
    openapi_extra=_documented(PLATFORM_SCHEMAS["zalo"]),
)
async def zalo_webhook(commune: str, request: Request) -> dict[str, Any]:
    return await _platform_webhook(request, "zalo", commune)


@router.post(
    "/webhooks/telegram/{commune}",
    summary="Webhook bot Telegram của một xã",
    openapi_extra=_documented(PLATFORM_SCHEMAS["telegram"]),
)
async def telegram_webhook(commune: str, request: Request) -> dict[str, Any]:
    return await _platform_webhook(request, "telegram", commune)


def _web_reply(reply: dict[str, Any], sender: str) -> dict[str, Any]:
    return {**reply, "recipient_id": sender}


def _store(
    factory: sessionmaker[Session], commune_id: int, slug: str, message: InboundMessage, raw: str
) -> tuple[Stored, Context]:
    """Store the web message, claimed by this request unless older ones of its conversation still wait."""
    stored = store_event(
        factory,
        commune_id=commune_id,
        channel="web",
        event_id=message.event_id,
        conversation_id=message.conversation_id,
        raw=raw,
        claim_now=True,
        priority=safety.inbox_priority(message),
    )
    return stored, Context(stored.id, commune_id, slug, "web", inline=True)


def _over_budget(request: Request, sender: str, message: InboundMessage) -> list[dict[str, Any]] | None:
    """The polite reply when this address or session is over its budget (api/infra/budgets.py); None to go on. An
    emergency (or a message the lexicon finds suspect) always goes on: the safety screen answers it, 115 first."""
    wait = web_budgets(request).message(address=client_address(request), sender=sender)
    if not wait:
        return None
    text = message.text if message.kind in ("text", "button") else ""
    if text and (safety.inbox_priority(message) or classify(text).suspect):
        log.warning("web sender over budget sent an emergency: screened as usual")
        return None
    log.info("web message over budget: answered with a wait of %s s", wait)
    return [
        {
            "recipient_id": sender,
            "text": f"Dạ, anh/chị nhắn hơi nhanh nên em chưa kịp xử lý tin vừa rồi. Anh/chị vui lòng chờ "
            f"{wait_text(wait)} rồi nhắn lại giúp em ạ. {EMERGENCY_NUMBERS}",
        }
    ]


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
    over = _over_budget(request, body.sender, message)
    if over is not None:
        return over
    client_id = str(message.extra.get("client_message_id") or message.event_id)
    raw_event = json.dumps({**raw, "metadata": {**raw.get("metadata", {}), "message_id": client_id}})
    stored, ctx = await run_in_threadpool(_store, factory, commune_id, slug, message, raw_event)
    if not stored.created:
        return [_web_reply(r, body.sender) for r in stored.response or []]
    if stored.status == PENDING:  # behind older messages still waiting: the worker answers in order, by push
        notify(request.app, "inbox")
        return []
    turn: Turn | None = None
    error: str | None = None
    try:  # the same entry point as every channel: emergencies first, then the conversation's state
        async with keep_leased(factory, stored.id):  # a killed worker's message is taken over within the lease
            turn = await handle(request.app, ctx, message)
    except Exception as exc:  # recorded as a failure of this message; never left leased and unanswered
        log.exception("web message %s failed", stored.id)
        error = f"{type(exc).__name__}: {exc}"
    if error is not None or turn is None:
        # Retried by the inbox worker with backoff (its answer arrives by push), a dead letter in the end.
        noticed = await run_in_threadpool(
            record_failure, factory, stored.id, error=error or "no turn", max_failures=settings.inbox_max_failures
        )
        if not noticed:  # a dead letter's notice wakes the outbox itself, as it commits
            notify(request.app, "inbox")
        return []
    return [_web_reply(r, body.sender) for r in turn.replies]
