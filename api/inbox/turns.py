"""Carrying out who answers an inbound message: ``api/conversations/decision.py`` decides, this module does it.

Each step is one transaction; the Rasa call happens between them, never inside one. Replies are written to the outbox
in the same transaction that marks the inbound event processed, so a crash can neither lose nor double them.
``handle`` is the one entry point for every channel (the web request included).

The inputs are read in the order of the decision's table, each only when the table gets that far: the paging payload
and the safety verdict first (an emergency is answered before any database read), the commands from the text, then,
in one read session, whether an appointment's question is open (for a short message), the subscription's concern and
the conversation's row (``route_locally``), and under the write lock the row again when the gateway answers from it.
A turn Rasa answers takes three trips to the worker threads: storing the event (the inbox worker: claiming it),
that read, and storing Rasa's answer with the first-contact notice after it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.appointments import chat as appointments
from api.conversations import messages as texts
from api.conversations import service as conversations
from api.conversations.decision import Answer, Inbound, Safety, decide
from api.conversations.local import Context, Turn, reply
from api.db import utcnow
from api.errors import UpstreamUnavailable
from api.inbox import service as inbox
from api.inbox.answers import answer
from api.inbox.opening import needs_write, open_row, real_content
from api.infra import metrics
from api.infra.writes import write_transaction
from api.nlu import capture as review_capture
from api.nlu.capture import ConsentCheck
from api.nlu.models import Reason
from api.outbox.service import enqueue_message_row, enqueue_next_page
from api.privacy import chat as privacy
from api.safety import flows as safety
from api.safety.guidance import alarm_message
from api.safety.triage import Decision as Triage
from api.subscriptions import flows as subscriptions
from api.subscriptions.commands import normalise
from channels.base import InboundMessage
from channels.paging import parse_more

__all__ = ["Context", "Turn", "handle", "route_locally", "to_rasa"]
log = logging.getLogger(__name__)
PAGE_ROUTE = "more"
Safe = Callable[[Session, Context, InboundMessage, Triage], Turn]  # safety.respond | safety.answer


def _done(session: Session, ctx: Context, turn: Turn) -> None:
    inbox.mark_done(session, inbox.load(session, ctx.inbox_id), route=turn.route, response=turn.replies)


def _safety(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, carry_out: Safe, triage: Triage
) -> Turn:
    """The emergency's answer (``safety.respond``) or the guidance (``safety.answer``) and the event done: one
    transaction."""
    with write_transaction(factory) as session:
        turn = carry_out(session, ctx, message, triage)
        _done(session, ctx, turn)
    return turn


def _data_request(app: FastAPI, ctx: Context, message: InboundMessage, request: privacy.Command) -> Turn:
    """A data request (api/privacy/chat.py): its answer and the event done, one transaction. A confirmed erasure is
    carried out once that transaction (which made sure of the citizen and found no case open) has committed; the
    event goes with the citizen's other messages, so there is nothing to mark."""
    factory: sessionmaker[Session] = app.state.sessionmaker
    with write_transaction(factory) as session:
        said = privacy.answer(session, ctx, message, request)
        if isinstance(said, Turn):
            _done(session, ctx, said)
    return said if isinstance(said, Turn) else privacy.erase(app, ctx, message, said)


def _appointment(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, command: appointments.Command | None
) -> Turn | None:
    """The citizen's appointment (api/appointments/chat.py): its answer and the event done, one transaction; None
    when it declines (what it changed stays: an open question it closed)."""
    with write_transaction(factory) as session:
        turn = appointments.answer(session, ctx, message, command)
        if turn is not None:
            _done(session, ctx, turn)
    return turn


def _appointment_or_local(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, text: str
) -> Turn | None:
    """The appointment's answer; when it declines, the table's remaining rows (the subscription, the conversation's
    row: ``route_locally``) in the same worker thread: nothing else is left above them once the data request and
    the appointment are not it. None when Rasa answers. Without a command, only a question waiting for its answer
    makes the appointment's write worth taking: that is read with the rest, in one read session."""
    command = appointments.parse_command(text)
    if command is None:
        inbound, open_question = _read(factory, ctx, message, appointment=True)
        if not open_question:
            return route_locally(factory, ctx, message, inbound)
    turn = _appointment(factory, ctx, message, command)
    return turn if turn is not None else route_locally(factory, ctx, message)


def _read(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, *, appointment: bool = False
) -> tuple[Inbound, bool]:
    """The subscription's concern and the conversation's row - and, for ``appointment``, whether an appointment's
    question waits for this answer - in one read session (the row is read under the write lock instead when the
    message changes the citizen)."""
    now = utcnow()
    with factory() as session:
        open_question = appointment and appointments.has_open_question(session, conversation_id=message.conversation_id)
        concerned = subscriptions.concerns(session, ctx, message)
        row = None if needs_write(message) else conversations.find(session, conversation_id=message.conversation_id)
        row = conversations.opened(row)
    return Inbound(message, now, row=row, subscription=concerned), open_question


def route_locally(
    factory: sessionmaker[Session], ctx: Context, message: InboundMessage, inbound: Inbound | None = None
) -> Turn | None:
    """The turn when the subscription or the conversation's row answers it (the table's last rows: subscription,
    staff-owned, rating, comment, back to the bot, contact, unfollow); None when Rasa answers. The common case is
    decided by one indexed read, without the write lock (``inbound``: that read, when the caller made it)."""
    if inbound is None:
        inbound, _ = _read(factory, ctx, message)
    decision = decide(inbound)
    if decision.answer is Answer.subscription:  # "hủy nhận tin" etc., in every state
        with write_transaction(factory) as session:
            subscribed = subscriptions.route(session, ctx, message)
            if subscribed is not None:
                _done(session, ctx, subscribed)
        if subscribed is not None:
            return subscribed
        inbound = inbound.declined(decision.answer)
        decision = decide(inbound)
    if inbound.row is None and not needs_write(message) and not real_content(message):
        return None  # opening a chat: Rasa answers, no rows yet (and no write lock)
    if inbound.row is not None and decision.answer is Answer.rasa and decision.leave_to is None:
        return None
    with write_transaction(factory) as session:
        event = inbox.load(session, ctx.inbox_id)
        if decision.answer is Answer.ignore:  # unfollow
            inbox.mark_done(session, event, route="none", ignored=True)
            return Turn("none", [], False)
        found = (
            None
            if needs_write(message)
            else conversations.opened(
                conversations.find(session, conversation_id=message.conversation_id, for_update=True)
            )
        )
        if found is None and not real_content(message):
            return None  # Rasa answers; the rows wait for the first real message
        found = found or open_row(session, ctx, message)
        decision = decide(replace(inbound, row=found))  # again, on the row as it is under the lock
        turn = answer(session, ctx, message, found, decision, inbound.now)
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
                enqueue_message_row(
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
    if turn.route == PAGE_ROUTE:  # a page of buttons, not a turn: no notice, not measured
        return turn
    turn = await privacy.with_notice(app, ctx, message, turn)  # first contact: the privacy notice, after the answer
    metrics.REPLY_SECONDS.labels(ctx.channel, turn.route).observe(time.perf_counter() - started)
    if ctx.inline:  # answered in the web response, not through the outbox
        metrics.MESSAGES_OUT.labels(ctx.channel).inc(len(turn.replies))
    return turn


def _next_page(factory: sessionmaker[Session], ctx: Context, message: InboundMessage, more: tuple[int, int]) -> Turn:
    with write_transaction(factory) as session:
        queued = enqueue_next_page(session, conversation_id=message.conversation_id, message_id=more[0], offset=more[1])
        inbox.mark_done(session, inbox.load(session, ctx.inbox_id), route=PAGE_ROUTE, ignored=not queued)
    return Turn(PAGE_ROUTE, [], queued)


async def _answer(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn:
    factory: sessionmaker[Session] = app.state.sessionmaker
    text = message.text if message.kind in ("text", "button") else ""
    more = parse_more(text) if text and not ctx.inline else None  # buttons are paged on the outbox's channels only
    triage = await safety.decision_for(app, text) if text and more is None else None
    request = privacy.parse_command(text) if text else None
    inbound = Inbound(
        message,
        utcnow(),
        more=more,
        safety=safety.verdict(triage) if triage is not None else Safety.none,
        data_request=request is not None,
        appointment=bool(text) and len(normalise(text).split()) <= appointments.MAX_WORDS,
    )
    turn: Turn | None
    while True:
        decision = decide(inbound)
        if decision.answer is Answer.page and decision.more is not None:
            return await run_in_threadpool(_next_page, factory, ctx, message, decision.more)
        if decision.answer is Answer.emergency and triage is not None:
            turn = await run_in_threadpool(_safety, factory, ctx, message, safety.respond, triage)
            safety.tell_rasa(app, message, alarm_message(triage))
            return turn
        if decision.answer is Answer.safety_guidance and triage is not None:
            return await run_in_threadpool(_safety, factory, ctx, message, safety.answer, triage)
        if decision.answer is Answer.data_request and request is not None:  # "xem/xóa dữ liệu của tôi"
            turn = await run_in_threadpool(_data_request, app, ctx, message, request)
        elif decision.answer is Answer.appointment:  # "đổi lịch", "hủy hẹn"; declined, the rest of the table
            local = await run_in_threadpool(_appointment_or_local, factory, ctx, message, text)
            return local if local is not None else await to_rasa(app, ctx, message)
        else:  # the subscription and the row are read, and the rest of the table decided, there
            local = await run_in_threadpool(route_locally, factory, ctx, message)
            return local if local is not None else await to_rasa(app, ctx, message)
        if turn is not None:
            return turn
        inbound = inbound.declined(decision.answer)


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
    return await run_in_threadpool(_finish_rasa_turn, app, ctx, message, result.replies, review)


def _finish_rasa_turn(
    app: FastAPI,
    ctx: Context,
    message: InboundMessage,
    replies: list[dict[str, Any]],
    review: tuple[Reason, dict[str, Any], ConsentCheck | None] | None,
) -> Turn:
    """Rasa's answer stored, then - in the same worker thread, after it - the first-contact privacy notice
    (``privacy.with_notice`` does this for the other routes)."""
    queued = _finish_rasa(app.state.sessionmaker, ctx, message, replies, review)
    return privacy.add_notice(app, ctx, message, Turn("rasa", replies, queued))
