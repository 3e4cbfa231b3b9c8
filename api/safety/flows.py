"""The safety hook: its verdict on every inbound message is the first input of who answers
(``api/conversations/decision.py``: an emergency wins in every conversation state: bot, mid-form, awaiting a rating,
handed to staff, after hours, Rasa down), and ``api/inbox/turns.py`` carries out the answer with ``respond`` (an
alarm) or ``answer`` (guidance, the check).

The structured triage (``api/safety/triage.py``, pure Python in the gateway, no network) reads the message and says:

- ``alarm``: answered by the gateway itself, in one transaction: the numbers and the ONE text for the situation, the
  health station alerted with the triage's reading (api/safety/service.py), the inbox event marked done (by the
  caller, in the same transaction). Rasa does not
  answer that message, so the citizen never gets a second, contradictory reply; afterwards Rasa is told, best effort,
  what happened and that any form it was filling is over (``tell_rasa``);
- ``firstaid`` / ``fever`` / ``diarrhoea`` / ``homecare``: the guidance, answered by the gateway, no case;
- ``none``: two second opinions before the usual routing. A message the lexicon finds suspect (``Verdict.suspect``) is
  parsed by Rasa when it answers within ``NLU_TIMEOUT``; ``health_emergency`` with at least ``NLU_CONFIDENCE`` makes
  it an alarm (the generic text). Otherwise, when the learned reader (api/safety/reader.py) calls a message about
  something happening now an emergency that the triage did not, the readers disagree: one short reply with the
  numbers and a question ("ai đang bị gì, ở đâu?"), never silence and never the full alarm.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session

from api.cases.service import find_conversation_case, record_citizen_message
from api.conversations import service as conversations
from api.conversations.decision import Safety
from api.conversations.local import Context, Turn, reply
from api.db import utcnow
from api.errors import DomainError, UpstreamUnavailable
from api.outbox.models import PRIORITY_EMERGENCY
from api.outbox.service import enqueue_message
from api.safety.guidance import alarm_message, call_buttons, check_message, firstaid_message, guide, topic_message
from api.safety.lexicon import classify
from api.safety.reader import READER, THRESHOLD
from api.safety.service import alert_station
from api.safety.triage import Decision, decide
from channels.base import InboundMessage

log = logging.getLogger(__name__)
# Home-care guidance keeps the bot's own offer of a consultation (actions/health.py), so the citizen is one tap away
# from the health station whichever side answered.
BOOKING_BUTTONS = [
    {"title": "Đặt lịch tư vấn", "payload": "/book_consultation"},
    {"title": "Không cần ạ", "payload": "/deny"},
]

ROUTE = "emergency"
GUIDANCE_ROUTE = "safety_guidance"
CHECK_ROUTE = "safety_check"
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
    return PRIORITY_EMERGENCY if text and decide(text).emergency else 0


def _say(
    session: Session,
    ctx: Context,
    message: InboundMessage,
    text: str,
    buttons: list[dict[str, str]] | None,
    kind: str = ROUTE,
) -> list[dict[str, Any]]:
    """Inline for the web request; else queued at emergency priority (sent before the other queued traffic)."""
    if ctx.inline:
        return reply(session, ctx, message.conversation_id, text, kind=kind, buttons=buttons)
    enqueue_message(
        session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, text=text, buttons=buttons,
        kind=kind, priority=PRIORITY_EMERGENCY if kind != GUIDANCE_ROUTE else 0,
    )  # fmt: skip
    return []


async def _nlu_says_emergency(app: FastAPI, text: str) -> bool:
    try:
        parsed = await asyncio.wait_for(app.state.rasa.parse(text), NLU_TIMEOUT)
    except (TimeoutError, UpstreamUnavailable, httpx.HTTPError) as exc:
        log.info("NLU not consulted for a suspect message: %s", exc)
        return False
    intent = parsed.get("intent") or {}
    return intent.get("name") == EMERGENCY_INTENT and float(intent.get("confidence") or 0) >= NLU_CONFIDENCE


def verdict(decision: Decision) -> Safety:
    """The triage's decision as the plain value who-answers reads."""
    if decision.action == "none":
        return Safety.none
    return Safety.alarm if decision.action == "alarm" else Safety.guidance


async def decision_for(app: FastAPI, text: str) -> Decision:
    """The triage's decision, with the NLU's second opinion on a suspect message and the learned reader's."""
    decision = decide(text)
    if decision.action != "none":
        return decision
    if classify(text).suspect and await _nlu_says_emergency(app, text):
        return Decision("alarm", "chung", ("115",), decision.reading)
    if decision.reading.when != "now":  # the reader's opinion only matters for something happening now
        return decision
    probability = READER.probability(text)
    if probability is not None and probability >= THRESHOLD:
        return Decision("check", None, ("115", "113", "114"), decision.reading)
    return decision


def respond(session: Session, ctx: Context, message: InboundMessage, decision: Decision) -> Turn:
    """Answer the emergency and alert the station, in the caller's transaction (which marks the inbound event done:
    api/inbox/turns.py); the alert failing never holds the answer."""
    situation = guide().situation(decision.situation)
    buttons = call_buttons(ctx.channel, decision.numbers)
    replies = _say(session, ctx, message, alarm_message(decision), buttons or None)
    try:
        with session.begin_nested():
            alert = alert_station(
                session, commune_id=ctx.commune_id, commune_slug=ctx.commune_slug, channel=ctx.channel,
                message=message, situation=situation, triage=decision.explain(),
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
    return Turn(ROUTE, replies, not ctx.inline)


def tell_rasa(app: FastAPI, message: InboundMessage, text: str) -> None:
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


def answer(session: Session, ctx: Context, message: InboundMessage, decision: Decision) -> Turn:
    """Guidance or the short check: one reply, no case, in the caller's transaction (as ``respond``)."""
    if decision.action == "check":
        text, route, buttons = check_message(), CHECK_ROUTE, call_buttons(ctx.channel)
    elif decision.action == "firstaid":
        text, route, buttons = firstaid_message(decision), GUIDANCE_ROUTE, []
    else:
        text, route, buttons = topic_message(decision.action, message.text), GUIDANCE_ROUTE, BOOKING_BUTTONS
    owner = find_conversation_case(session, conversation_id=message.conversation_id)
    if owner is not None:  # handed to staff: the officer still reads what the citizen wrote
        record_citizen_message(session, case=owner, text=message.text)
    replies = _say(session, ctx, message, text, buttons or None, kind=route)
    now = utcnow()
    conversations.update_row(
        session, conversation_id=message.conversation_id, last_inbound_at=now, last_outbound_at=now
    )
    return Turn(route, replies, not ctx.inline)
