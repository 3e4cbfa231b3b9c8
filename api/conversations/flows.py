"""Routing one inbound message: who answers it is decided from the conversation row (api/conversations/states.py).

Each step is one transaction; the Rasa call happens between them, never inside one. Replies are written to the outbox
in the same transaction that marks the inbound event processed, so a crash can neither lose nor double them.
``handle`` is the one entry point for every channel (the web request included).
"""

from __future__ import annotations

import logging
import time
import unicodedata
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.appointments import chat as appointments
from api.cases.service import find_case_awaiting_rating, find_conversation_case
from api.citizens.service import get_or_create_citizen
from api.conversations import messages as texts
from api.conversations import service as conversations
from api.conversations.local import Context, Turn, answer, reply
from api.conversations.models import State
from api.conversations.service import Snapshot
from api.conversations.states import Answer, decide
from api.db import utcnow
from api.errors import UpstreamUnavailable, ValidationFailed
from api.inbox import service as inbox
from api.infra import metrics
from api.infra.writes import write_transaction
from api.nlu import capture as review_capture
from api.nlu.capture import ConsentCheck
from api.nlu.models import Reason
from api.outbox.service import enqueue_message
from api.privacy import chat as privacy
from api.safety import flows as safety
from api.subscriptions import flows as subscriptions
from channels.base import InboundMessage

__all__ = ["Context", "Turn", "handle", "route_locally", "to_rasa"]
log = logging.getLogger(__name__)


def _citizen(session: Session, ctx: Context, message: InboundMessage) -> int:
    try:
        citizen = get_or_create_citizen(
            session,
            commune_id=ctx.commune_id,
            conversation_id=message.conversation_id,
            channel=ctx.channel,
            display_name=message.display_name,
            phone=message.phone,
        )
    except ValidationFailed:  # a phone number we cannot read must not stop the message
        citizen = get_or_create_citizen(
            session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, channel=ctx.channel
        )
    return citizen.id


def _open(session: Session, ctx: Context, message: InboundMessage, citizen_id: int) -> Snapshot:
    """The row, created on the conversation's first message. A conversation that began before rows existed takes
    its state from its cases once, here: an open handoff → staff, a pending rating → awaiting_rating."""
    key = message.conversation_id
    owner = find_conversation_case(session, conversation_id=key)
    awaiting = find_case_awaiting_rating(session, conversation_id=key)
    owner_id = owner.id if owner is not None else None
    state = State.awaiting_rating if awaiting is not None else State.staff if owner_id is not None else State.bot
    case_id = awaiting.id if awaiting is not None else owner_id
    row = conversations.create(
        session,
        conversation_id=key,
        commune_id=ctx.commune_id,
        citizen_id=citizen_id,
        state=state,
        case_id=case_id,
        staff_case_id=owner_id,
    )
    if awaiting is not None and awaiting.rating_requested_at is not None:  # the prompt's week runs from its asking
        conversations.update_row(session, conversation_id=key, state_changed_at=awaiting.rating_requested_at)
        row = conversations.find(session, conversation_id=key) or row
    return row


GREETINGS = frozenset({"xin chao", "chao", "chao em", "chao ban", "alo", "hi", "hello", "helo", "xin chao em"})


def _real_content(message: InboundMessage) -> bool:
    """Opening a chat ("/start", a bare greeting) is not yet contact: no citizen or conversation row is made for it,
    so a page view or a bot probing sessions leaves nothing permanent (issue 26). Rasa still answers the greeting."""
    if message.kind == "start":
        return False
    if message.kind != "text" or message.attachments or message.phone or message.display_name:
        return True
    folded = unicodedata.normalize("NFD", message.text.lower()).replace("đ", "d")
    plain = "".join(c for c in folded if not unicodedata.combining(c) and (c.isalnum() or c == " "))
    return " ".join(plain.split()) not in GREETINGS


def _needs_write(message: InboundMessage) -> bool:
    return message.kind in ("unfollow", "contact") or bool(message.display_name or message.phone)


def route_locally(factory: sessionmaker[Session], ctx: Context, message: InboundMessage) -> Turn | None:
    """The turn when the gateway answers it (staff-owned, rating, comment, back to the bot, contact, unfollow); None
    when Rasa answers. The common case is decided by one indexed read, without the write lock."""
    now = utcnow()
    row = None
    with factory() as session:  # one read session for the subscription's check and the conversation's row
        concerned = subscriptions.concerns(session, ctx, message)
        if not concerned and not _needs_write(message):
            row = conversations.find(session, conversation_id=message.conversation_id)
    if concerned:
        subscribed = subscriptions.route(factory, ctx, message, concerned=True)  # "hủy nhận tin" etc., in every state
        if subscribed is not None:
            return subscribed
        if not _needs_write(message):
            with factory() as session:
                row = conversations.find(session, conversation_id=message.conversation_id)
    if row is None and not _needs_write(message) and not _real_content(message):
        return None  # opening a chat: Rasa answers, no rows yet (and no write lock)
    if row is not None:
        decision = decide(row, message, now)
        if decision.answer is Answer.rasa and decision.leave_to is None:
            return None
    with write_transaction(factory) as session:
        event = inbox.load(session, ctx.inbox_id)
        if message.kind == "unfollow":
            inbox.mark_done(session, event, route="none", ignored=True)
            return Turn("none", [], False)
        found = (
            None
            if _needs_write(message)
            else conversations.find(session, conversation_id=message.conversation_id, for_update=True)
        )
        if found is None and not _real_content(message):
            return None  # Rasa answers; the rows wait for the first real message
        if found is None:
            citizen_id = _citizen(session, ctx, message)
            found = conversations.find(session, conversation_id=message.conversation_id, for_update=True)
            found = found or _open(session, ctx, message, citizen_id)
        decision = decide(found, message, now)
        turn = answer(session, ctx, message, found, decision, now)
        if turn is not None:
            inbox.mark_done(session, event, route=turn.route, response=turn.replies)
        return turn


def _finish_rasa(
    factory: sessionmaker[Session],
    ctx: Context,
    message: InboundMessage,
    replies: list[dict[str, Any]],
    review: tuple[Reason, dict[str, Any], ConsentCheck | None] | None = None,
) -> bool:
    """Rasa's replies queued (unless the request answers them), the event finished, the conversation touched and -
    when Rasa was unsure - the turn kept for review (api/nlu/capture.py): one transaction."""
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
        conversations.touch(session, conversation_id=message.conversation_id, replied=bool(replies))
        if review is not None:
            reason, parse, consent = review
            review_capture.keep(
                session, commune_id=ctx.commune_id, inbox_id=ctx.inbox_id, conversation_id=message.conversation_id,
                text=texts.rasa_text(message), parse=parse, reason=reason, consent=consent,
            )  # fmt: skip
    return queued


def _busy(factory: sessionmaker[Session], ctx: Context, message: InboundMessage, error: str) -> Turn:
    with write_transaction(factory) as session:
        row = inbox.load(session, ctx.inbox_id)
        first_time = not row.busy_notified
        replies: list[dict[str, Any]] = []
        if first_time:
            replies = reply(session, ctx, message.conversation_id, texts.BUSY_TEXT, kind="busy")
        inbox.mark_retry(session, ctx.inbox_id, error=error, busy_notified=True)
    return Turn("busy", replies, first_time and not ctx.inline)


async def handle(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    started = time.perf_counter()
    turn = await _answer(app, ctx, message)
    turn = await privacy.with_notice(app, ctx, message, turn)  # first contact: the privacy notice, after the answer
    metrics.REPLY_SECONDS.labels(ctx.channel, turn.route).observe(time.perf_counter() - started)
    if ctx.inline:  # answered in the web response, not through the outbox
        metrics.MESSAGES_OUT.labels(ctx.channel).inc(len(turn.replies))
    return turn


async def _answer(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    emergency = await safety.screen(app, ctx, message)  # principle 1, before any state logic: api/safety/flows.py
    if emergency is not None:
        return emergency
    rights = await privacy.route(app, ctx, message)  # "xem/xóa dữ liệu của tôi", "rút lại đồng ý": api/privacy/chat.py
    if rights is not None:
        return rights
    booked = await appointments.route(app, ctx, message)  # "đổi lịch", "hủy hẹn": api/appointments/chat.py
    if booked is not None:
        return booked
    local = await run_in_threadpool(route_locally, app.state.sessionmaker, ctx, message)
    return local if local is not None else await to_rasa(app, ctx, message)


async def to_rasa(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    """Rasa answers the turn; its replies are stored with the event (and queued unless the request answers them)."""
    factory: sessionmaker[Session] = app.state.sessionmaker
    metadata = texts.rasa_metadata(message, commune=ctx.commune_slug, channel=ctx.channel)
    # The same inbound message keeps its id across retries: a Rasa replica that already ran it answers the same again
    # instead of running it twice (bot/cluster.py), e.g. after a gateway died before storing the answer.
    metadata["turn_id"] = f"inbox-{ctx.inbox_id}"
    text = texts.rasa_text(message)
    try:
        result = await app.state.rasa.send_turn(message.conversation_id, text, metadata)
    except (UpstreamUnavailable, httpx.HTTPStatusError) as exc:
        reason = exc.message if isinstance(exc, UpstreamUnavailable) else f"Rasa HTTP {exc.response.status_code}"
        log.warning("Rasa unavailable for %s: %s (%r)", message.conversation_id, reason, exc.__cause__)
        return await run_in_threadpool(_busy, factory, ctx, message, reason)
    # The turn's reading came with its reply (bot/reading.py): kept for review when Rasa was unsure, no extra request.
    kept = review_capture.reason(app.state.settings, text=text, kind=message.kind, parse=result.parse)
    review = None
    if kept is not None and result.parse is not None:
        review = (kept, result.parse, getattr(app.state, "review_consent", None))
    queued = await run_in_threadpool(_finish_rasa, factory, ctx, message, result.replies, review)
    return Turn("rasa", result.replies, queued)
