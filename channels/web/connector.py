"""The web channel. Inbound follows Rasa's REST channel (``{"sender","message","metadata"}``) so existing Rasa web
widgets work. Outbound messages are delivered by being stored: the browser's event stream reads them from the outbox."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from channels.base import Credentials, InboundMessage, OutboundMessage, SendContext
from channels.ids import format_id
from channels.text import clean_text

SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# Photos come from the gateway's own upload route (POST /webhooks/web/uploads): nothing else is taken as an image.
UPLOADED_PHOTO = re.compile(r"^/staff/media/\d{1,12}/[0-9a-f]{32}\.(jpg|png|gif|webp)$")
MAX_PHOTOS = 5
CAPABILITIES = frozenset({"image", "location"})


def _location(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    try:
        latitude, longitude = float(value.get("latitude", "")), float(value.get("longitude", ""))
    except (TypeError, ValueError):
        return None
    ok = math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180
    return (latitude, longitude) if ok else None


def _photos(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(url for url in value if isinstance(url, str) and UPLOADED_PHOTO.match(url))[:MAX_PHOTOS]


class WebChannel:
    name = "web"

    async def acknowledge(
        self, message: InboundMessage, credentials: Callable[[], Awaitable[Credentials | None]]
    ) -> None:
        """Nothing to acknowledge beyond the HTTP answer."""

    async def close(self) -> None:
        """No connections: the stored outbox row is the delivery."""

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        """A public endpoint: anyone may talk to the bot; the session id in the sender is the capability."""

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        sender = str(payload.get("sender", ""))
        metadata = payload.get("metadata") if isinstance(payload.get("metadata"), Mapping) else {}
        assert isinstance(metadata, Mapping)
        client_id = clean_text(str(metadata.get("message_id") or "")) or f"auto-{uuid.uuid4().hex}"
        text = clean_text(str(payload.get("message", "")))
        location = _location(metadata.get("location"))
        photos = _photos(metadata.get("attachments"))
        kind = "location" if location else "image" if photos else "start" if text == "/start" else "text"
        extra: dict[str, Any] = {"client_message_id": client_id}
        capabilities = metadata.get("capabilities")
        if isinstance(capabilities, list):  # what this web client can send (the widget: photos and a location)
            extra["capabilities"] = sorted({c for c in capabilities if c in CAPABILITIES})
        return [
            InboundMessage(
                # The client's id is only unique per sender: two senders reusing one must not share an inbox row.
                event_id=f"{sender}:{client_id}",
                conversation_id=format_id("web", commune, sender),
                user_id=sender,
                kind=kind,
                text=text,
                attachments=photos,
                latitude=location[0] if location else None,
                longitude=location[1] if location else None,
                extra=extra,
            )
        ]

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        """Nothing to call: the stored outbox row is the delivery, streamed to the browser by the events endpoint."""
        await context.on_part_sent(1, None)
        return None
