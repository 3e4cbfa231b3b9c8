"""The web channel. Inbound follows Rasa's REST channel (``{"sender","message","metadata"}``) so existing Rasa web
widgets work. Outbound messages are delivered by being stored: the browser's event stream reads them from the outbox."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from channels.base import Credentials, InboundMessage, OutboundMessage, SendContext

SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def valid_sender(sender: str) -> bool:
    """Sender ids are the session's secret (anyone holding one reads its replies): long random tokens only."""
    return bool(SENDER_RE.fullmatch(sender))


class WebChannel:
    name = "web"
    prefix = "web"

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        """A public endpoint: anyone may talk to the bot; the session id in the sender is the capability."""

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        sender = str(payload.get("sender", ""))
        metadata = payload.get("metadata") if isinstance(payload.get("metadata"), Mapping) else {}
        assert isinstance(metadata, Mapping)
        client_id = str(metadata.get("message_id") or "") or f"auto-{uuid.uuid4().hex}"
        text = str(payload.get("message", "")).strip()
        return [
            InboundMessage(
                event_id=client_id,
                conversation_id=f"web:{commune}:{sender}",
                user_id=sender,
                kind="start" if text == "/start" else "text",
                text=text,
            )
        ]

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        """Nothing to call: the stored outbox row is the delivery, streamed to the browser by the events endpoint."""
        await context.on_part_sent(1, None)
        return None
