"""The safety hook: the first thing ``api.conversations.flows.handle`` does with every inbound message, in every
conversation state (bot, mid-form, awaiting a rating, handed to staff, after hours, Rasa down).

An emergency is answered by the gateway itself, in one transaction: the ONE text for the situation (115 first, then
the first steps, then its source), the health station alerted (api/safety/service.py), the inbox event marked done.
Rasa does not answer that message, so the citizen never gets a second, contradictory reply; afterwards Rasa is told,
best effort, what happened and that any form it was filling is over (``_tell_rasa``), so the next message is not taken
as a form answer.

The lexicon decides on its own (no network). A message with no recognised emergency but words the NLU should look at
(``Verdict.suspect``) is parsed by Rasa when it answers within ``NLU_TIMEOUT``; ``health_emergency`` with at least
``NLU_CONFIDENCE`` makes it an emergency too (the generic situation).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.conversations import service as conversations
from api.conversations.local import Context, Turn, reply
from api.db import utcnow
from api.errors import DomainError, UpstreamUnavailable
from api.inbox import service as inbox
from api.infra.writes import write_transaction
from api.outbox.models import PRIORITY_EMERGENCY
from api.outbox.service import enqueue_message
from api.safety.guidance import call_buttons, guide
from api.safety.lexicon import Verdict, classify
from api.safety.service import alert_station
from channels.base import InboundMessage

log = logging.getLogger(__name__)

ROUTE = "emergency"
EMERGENCY_INTENT = "health_emergency"
NLU_CONFIDENCE = 0.8
NLU_TIMEOUT = 2.0
TELL_TIMEOUT = 60.0  # background only: a loaded Rasa may take long to take the events
_background: set[asyncio.Task[None]] = set()


def _text(message: InboundMessage) -> str:
    return message.text if message.kind in ("text", "button") and message.text else ""


def inbox_priority(message: InboundMessage) -> int:
    """Stored with the inbound event: an emergency is handled before the conversation's older messages still waiting
    (e.g. retried while Rasa is down), on every channel. The lexicon alone: no network before storing."""
    text = _text(message)
    return PRIORITY_EMERGENCY if text and classify(text).emergency else 0


def _say(
    session: Session, ctx: Context, message: InboundMessage, text: str, buttons: list[dict[str, str]] | None
) -> list[dict[str, Any]]:
    """Inline for the web request; else queued at emergency priority (sent before the other queued traffic)."""
    if ctx.inline:
        return reply(session, ctx, message.conversation_id, text, kind=ROUTE, buttons=buttons)
    enqueue_message(
        session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, text=text, buttons=buttons,
        kind=ROUTE, priority=PRIORITY_EMERGENCY,
    )  # fmt: skip
    return []


async def verdict_for(app: FastAPI, text: str) -> Verdict:
    """The lexicon's verdict, with the NLU's for a suspect message when Rasa answers in time."""
    verdict = classify(text)
    if verdict.emergency or not verdict.suspect:
        return verdict
    try:
        parsed = await asyncio.wait_for(app.state.rasa.parse(text), NLU_TIMEOUT)
    except (TimeoutError, UpstreamUnavailable, httpx.HTTPError) as exc:
        log.info("NLU not consulted for a suspect message: %s", exc)
        return verdict
    intent = parsed.get("intent") or {}
    if intent.get("name") == EMERGENCY_INTENT and float(intent.get("confidence") or 0) >= NLU_CONFIDENCE:
        return Verdict(situation="chung", reason="nlu")
    return verdict


def respond(factory: sessionmaker[Session], ctx: Context, message: InboundMessage, verdict: Verdict) -> Turn:
    """Answer the emergency and alert the station in one transaction; the alert failing never holds the answer."""
    situation = guide().situation(verdict.situation)
    buttons = call_buttons(ctx.channel)
    with write_transaction(factory) as session:
        event = inbox.load(session, ctx.inbox_id)
        replies = _say(session, ctx, message, situation.message(), buttons or None)
        try:
            with session.begin_nested():
                alert = alert_station(
                    session, commune_id=ctx.commune_id, commune_slug=ctx.commune_slug, channel=ctx.channel,
                    message=message, situation=situation,
                )  # fmt: skip
            notice = guide().notice("station_filed" if alert.filed else "station_noted", code=alert.code)
        except DomainError as exc:  # e.g. the commune vanished: the 115 answer still goes out
            log.error("Emergency alert for %s not filed: %s", message.conversation_id, exc)
            notice = guide().notice("station_unreachable")
        replies += _say(session, ctx, message, notice, None)
        now = utcnow()
        conversations.update_row(
            session, conversation_id=message.conversation_id, last_inbound_at=now, last_outbound_at=now
        )
        inbox.mark_done(session, event, route=ROUTE, response=replies)
    return Turn(ROUTE, replies, not ctx.inline)


def _tell_rasa(app: FastAPI, message: InboundMessage, text: str) -> None:
    """Best effort, in the background: the emergency goes into Rasa's tracker and any active form ends."""
    events: list[dict[str, Any]] = [
        {"event": "user", "text": message.text,
         "parse_data": {"intent": {"name": EMERGENCY_INTENT, "confidence": 1.0}, "entities": []}},
        {"event": "bot", "text": text},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]  # fmt: skip

    async def send() -> None:
        try:
            await asyncio.wait_for(app.state.rasa.append_events(message.conversation_id, events), TELL_TIMEOUT)
        except (TimeoutError, UpstreamUnavailable, httpx.HTTPError) as exc:
            log.info("Rasa not told about the emergency in %s: %s", message.conversation_id, exc)

    task = asyncio.get_running_loop().create_task(send())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def screen(app: FastAPI, ctx: Context, message: InboundMessage) -> Turn | None:
    """The emergency turn, or None when the message is not an emergency (the usual routing goes on)."""
    text = _text(message)
    if not text:
        return None
    verdict = await verdict_for(app, text)
    if not verdict.emergency:
        return None
    turn = await run_in_threadpool(respond, app.state.sessionmaker, ctx, message, verdict)
    _tell_rasa(app, message, guide().situation(verdict.situation).message())
    return turn
