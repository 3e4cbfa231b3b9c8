"""The turn's reading (intent, confidence, entities) comes back with the turn's reply (issue 28).

The gateway keeps the turns Rasa was unsure of for the review inbox (api/nlu/capture.py). Stock Rasa's REST channel
returns only the replies, so the gateway used to read the conversation's tracker after every typed turn: Rasa rebuilt
and serialised the whole tracker to answer it, 5-27% more Rasa CPU per turn. Here the reading the turn already made
travels with the turn itself:

1. ``MessageProcessor._handle_message_with_tracker`` (where Rasa logs the user's message on the tracker) keeps a
   reference to that tracker on the message object; a turn answered again from the tracker (bot/cluster.py) does the
   same with the stored tracker.
2. When the turn is over, the conversation's latest message, exactly as ``GET /conversations/<id>/tracker`` would have
   shown it as ``latest_message`` (text, intent, intent ranking, entities), is set in the request's context.
3. A caller that asks for it (``POST /webhooks/rest/webhook?parse=true``) gets ``{"messages": [...], "parse": {...}}``
   instead of the bare list of messages (bot/cluster.py's response middleware calls ``envelope``). Without the
   parameter the reply is Rasa's own, byte for byte.

``apply()`` runs in the Rasa server process only (``python -m bot.server``).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from typing import Any, Dict, Optional, Text

ATTRIBUTE = "_xaso_tracker"
REST_WEBHOOK = "/webhooks/rest/webhook"
# The parts of Rasa's parse the review inbox reads (api/nlu/review.py); the message's metadata is the caller's own.
KEPT_KEYS = ("text", "intent", "entities", "intent_ranking")
_reading: contextvars.ContextVar[Optional[Dict[Text, Any]]] = contextvars.ContextVar("xaso_reading", default=None)
_applied = False


def keep_tracker(message: Any, tracker: Any) -> None:
    with contextlib.suppress(AttributeError):  # a message that takes no attributes: no reading, the turn goes on
        setattr(message, ATTRIBUTE, tracker)


def latest_reading(tracker: Any) -> Optional[Dict[Text, Any]]:
    """``latest_message`` of the tracker's state, reduced to ``KEPT_KEYS``; None without a user message."""
    latest = getattr(tracker, "latest_message", None)
    if latest is None or not getattr(latest, "text", None):
        return None
    data = tracker._latest_message_data() if hasattr(tracker, "_latest_message_data") else dict(latest.parse_data)
    reading = {key: data[key] for key in KEPT_KEYS if key in data}
    return reading if reading.get("intent") else None


def clear() -> None:
    _reading.set(None)


def remember(message: Any) -> None:
    """After the turn, in the request's own context: the reading of the message the turn logged."""
    tracker = getattr(message, ATTRIBUTE, None)
    _reading.set(latest_reading(tracker) if tracker is not None else None)


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)  # numpy scalars (confidences) as plain numbers
    return item() if callable(item) else str(value)


def wanted(request: Any) -> bool:
    return request.path == REST_WEBHOOK and str(request.args.get("parse", "")).lower() in ("1", "true")


def envelope(request: Any, response: Any) -> Any:
    """The REST reply with the turn's reading, for a caller that asked for it; None: the reply as it is."""
    reading = _reading.get()
    _reading.set(None)  # keep-alive requests share the connection's context: never hand it to the next one
    if not wanted(request) or response.status != 200:
        return None
    from sanic.response import HTTPResponse

    parse = json.dumps(reading, ensure_ascii=False, default=_plain).encode()
    body = b'{"messages":' + bytes(response.body or b"[]") + b',"parse":' + parse + b"}"
    return HTTPResponse(body, status=200, content_type="application/json")


def apply() -> None:
    """Install the tracker reference on Rasa's processor (idempotent)."""
    global _applied
    if _applied:
        return
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._handle_message_with_tracker

    async def _handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> Any:
        result = await original(self, message, tracker)
        keep_tracker(message, tracker)
        return result

    MessageProcessor._handle_message_with_tracker = _handle_message_with_tracker  # type: ignore[method-assign]
    _applied = True
