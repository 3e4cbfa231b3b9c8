"""Routing one inbound message: to the case that owns the conversation, to a pending rating, or to Rasa.

Each step is one transaction; the Rasa call happens between them, never inside one. Replies are written to the outbox
in the same transaction that marks the inbound event processed, so a crash can neither lose nor double them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.cases.service import (
    conversation_has_case,
    find_case_awaiting_rating,
    find_conversation_case,
    record_citizen_message,
    record_rating,
)
from api.citizens.service import get_or_create_citizen, has_identity
from api.conversations import messages as texts
from api.errors import UpstreamUnavailable, ValidationFailed
from api.inbox import service as inbox
from api.outbox.service import enqueue_message
from api.outbox.writes import write_transaction
from channels.base import InboundMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    inbox_id: int
    commune_id: int
    commune_slug: str
    channel: str
    inline: bool  # the web request answers in its response instead of through the outbox


@dataclass(frozen=True)
class Turn:
    route: str  # rasa | case | rating | contact | none | busy
    replies: list[dict[str, Any]]
    queued: bool  # something was written to the outbox


def _reply(ctx: Context, session: Session, message: InboundMessage, text: str, *, kind: str) -> list[dict[str, Any]]:
    if ctx.inline:
        return [{"recipient_id": message.conversation_id, "text": text}]
    enqueue_message(session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, text=text, kind=kind)
    return []


def _citizen(session: Session, ctx: Context, message: InboundMessage) -> None:
    try:
        get_or_create_citizen(
            session,
            commune_id=ctx.commune_id,
            conversation_id=message.conversation_id,
            channel=ctx.channel,
            display_name=message.display_name,
            phone=message.phone,
        )
    except ValidationFailed:  # a phone number we cannot read must not stop the message
        get_or_create_citizen(
            session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, channel=ctx.channel
        )


def _goes_to_rasa(factory: sessionmaker[Session], message: InboundMessage) -> bool:
    """The common case, decided by reads alone (no write lock): a known citizen, no case owns the conversation, and
    nothing that could be a rating for a case awaiting one."""
    if message.kind in ("unfollow", "contact") or message.display_name or message.phone:
        return False
    with factory() as session:
        if not has_identity(session, conversation_id=message.conversation_id):
            return False
        if conversation_has_case(session, conversation_id=message.conversation_id):
            return False
        could_rate = message.kind in ("text", "button") and texts.parse_rating(message.text) is not None
        return not (could_rate and find_case_awaiting_rating(session, conversation_id=message.conversation_id))


def route_locally(factory: sessionmaker[Session], ctx: Context, message: InboundMessage) -> Turn | None:
    """The turn when it stays in the gateway (handoff case, rating, contact, unfollow); None when Rasa answers."""
    if _goes_to_rasa(factory, message):
        return None
    with write_transaction(factory) as session:
        row = inbox.load(session, ctx.inbox_id)
        if message.kind == "unfollow":
            inbox.mark_done(session, row, route="none", ignored=True)
            return Turn("none", [], False)
        _citizen(session, ctx, message)
        if message.kind == "contact":
            replies = _reply(ctx, session, message, texts.CONTACT_THANKS, kind="notice")
            inbox.mark_done(session, row, route="contact", response=replies)
            return Turn("contact", replies, not ctx.inline)
        case = find_conversation_case(session, conversation_id=message.conversation_id)
        if case is not None:
            text, attachments = texts.timeline_text(message)
            record_citizen_message(session, case=case, text=text, attachments=attachments)
            inbox.mark_done(session, row, route="case", response=[])
            return Turn("case", [], False)
        rating = texts.parse_rating(message.text) if message.kind in ("text", "button") else None
        if rating is not None:
            awaiting = find_case_awaiting_rating(session, conversation_id=message.conversation_id)
            if awaiting is not None:
                stars, comment = rating
                record_rating(session, case=awaiting, rating=stars, comment=comment)
                text = texts.RATING_THANKS.format(stars="⭐" * stars)
                replies = _reply(ctx, session, message, text, kind="rating_thanks")
                inbox.mark_done(session, row, route="rating", response=replies)
                return Turn("rating", replies, not ctx.inline)
        return None


def _finish_rasa(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, replies: list[dict[str, Any]]
) -> bool:
    queued = False
    with write_transaction(factory) as session:
        if not ctx.inline:
            for reply in replies:
                text, buttons, image = texts.reply_fields(reply)
                if not text and not image:
                    continue
                enqueue_message(
                    session,
                    commune_id=ctx.commune_id,
                    conversation_id=message.conversation_id,
                    text=text,
                    buttons=buttons,
                    image_url=image,
                )
                queued = True
        inbox.finish(session, ctx.inbox_id, route="rasa", response=replies)
    return queued


def _busy(factory: sessionmaker[Session], ctx: Context, message: InboundMessage, error: str) -> Turn:
    with write_transaction(factory) as session:
        row = inbox.load(session, ctx.inbox_id)
        first_time = not row.busy_notified
        replies: list[dict[str, Any]] = []
        if first_time:
            replies = _reply(ctx, session, message, texts.BUSY_TEXT, kind="busy")
        inbox.mark_retry(session, ctx.inbox_id, error=error, busy_notified=True)
    return Turn("busy", replies, first_time and not ctx.inline)


async def handle(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    local = await run_in_threadpool(route_locally, app.state.sessionmaker, ctx, message)
    return local if local is not None else await to_rasa(app, ctx, message)


async def to_rasa(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    """Rasa answers the turn; its replies are stored with the event (and queued unless the request answers them)."""
    factory: sessionmaker[Session] = app.state.sessionmaker
    metadata = texts.rasa_metadata(message, commune=ctx.commune_slug, channel=ctx.channel)
    try:
        replies = await app.state.rasa.send_message(message.conversation_id, texts.rasa_text(message), metadata)
    except (UpstreamUnavailable, httpx.HTTPStatusError) as exc:
        reason = exc.message if isinstance(exc, UpstreamUnavailable) else f"Rasa HTTP {exc.response.status_code}"
        log.warning("Rasa unavailable for %s: %s", message.conversation_id, reason)
        return await run_in_threadpool(_busy, factory, ctx, message, reason)
    queued = await run_in_threadpool(_finish_rasa, factory, ctx, message, replies)
    return Turn("rasa", replies, queued)
