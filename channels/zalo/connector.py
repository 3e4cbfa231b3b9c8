"""The Zalo channel: verify ``X-ZEvent-Signature``, parse events, send text (split), images and buttons; outside the
interaction window, the notice routes the gateway chose (promotion, ZNS: ``channels/zalo/notices.py``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from channels.base import (
    Credentials,
    DeliveryError,
    InboundMessage,
    InboundRejected,
    NoticeRoute,
    OutboundMessage,
    Profile,
    SendContext,
    TokenStore,
)
from channels.paging import first_page
from channels.text import split_text
from channels.zalo.client import ZaloClient
from channels.zalo.events import is_echo, parse_event
from channels.zalo.notices import promotion_body, zns_phone
from channels.zalo.zns import template_data

TEXT_LIMIT = 2000
# Buttons one Zalo button template carries; longer lists are paged with "Xem thêm" (channels/paging.py).
MAX_BUTTONS = 5


def signature(*, app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """``sha256(app_id + raw_body + timestamp + secret)`` as hex: a plain digest of the concatenation, not an HMAC."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def _button(button: Mapping[str, str]) -> dict[str, Any]:
    """A ``tel:`` payload opens the phone's dialler (oa.open.phone: 115 in one tap); any other is a quick reply."""
    title, payload = button["title"][:100], button["payload"]
    if payload.startswith("tel:"):
        return {"title": title, "type": "oa.open.phone", "payload": {"phone_code": payload[4:]}}
    return {"title": title, "type": "oa.query.hide", "payload": payload}


class ZaloChannel:
    name = "zalo"

    async def acknowledge(
        self, message: InboundMessage, credentials: Callable[[], Awaitable[Credentials | None]]
    ) -> None:
        """Nothing to acknowledge beyond the webhook's HTTP answer."""

    async def close(self) -> None:
        """No connections of its own (sends use the shared HTTP client)."""

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        if credentials is None:
            raise InboundRejected("Xã này chưa kết nối Zalo OA.", status_code=403)
        header = headers.get("x-zevent-signature", "")
        if not header:
            raise InboundRejected("Thiếu chữ ký X-ZEvent-Signature.", status_code=401)
        received = header.split("=", 1)[1] if header.startswith("mac=") else header
        try:
            payload = json.loads(body)
        except ValueError:
            raise InboundRejected("Nội dung không phải JSON hợp lệ.", status_code=401) from None
        timestamp = str(payload.get("timestamp", "")) if isinstance(payload, dict) else ""
        # Sources disagree on which secret signs the events: the OA secret key (default) or the app secret.
        key_name = str(credentials.config.get("signature_key") or "oa_secret_key")
        secret = credentials.secrets.get(key_name, "")
        app_id = str(credentials.config.get("app_id", ""))
        if not secret or not app_id:
            raise InboundRejected("Tài khoản Zalo của xã thiếu app_id hoặc khoá bí mật.", status_code=403)
        expected = signature(app_id=app_id, body=body, timestamp=timestamp, secret=secret)
        if not hmac.compare_digest(expected.encode(), received.strip().lower().encode()):
            raise InboundRejected("Chữ ký X-ZEvent-Signature không hợp lệ.", status_code=401)

    def event_time(self, payload: Mapping[str, Any]) -> float | None:
        """When Zalo says the event happened (epoch seconds; Zalo sends milliseconds), None if absent or odd."""
        raw = str(payload.get("timestamp", "")).strip()
        if not raw.isdigit() or len(raw) > 16:
            return None
        value = int(raw)
        return value / 1000 if value > 10**11 else float(value)

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        if is_echo(payload):
            return []
        return parse_event(payload, commune=commune)

    def parts(self, message: OutboundMessage) -> list[dict[str, Any]]:
        """The message bodies in order: text chunks (buttons ride on the last one), then the image."""
        recipient = {"user_id": message.recipient}
        chunks = split_text(message.text, TEXT_LIMIT)
        bodies: list[dict[str, Any]] = [{"recipient": recipient, "message": {"text": chunk}} for chunk in chunks]
        if message.buttons:
            buttons = [
                # oa.query.hide sends the payload back as the user's message without showing it in the chat.
                _button(b)
                for b in first_page(message.buttons, per_message=MAX_BUTTONS, message_id=message.message_id)
            ]
            # The official SDK's shape (ZaloDotNetSDK ZaloClient.sendListButtonMessagetoUserId, PHP SDK MessageBuilder):
            # the payload carries only the buttons; no "template_type": "button" (docs/channels.md).
            template = {"type": "template", "payload": {"buttons": buttons}}
            if not bodies:
                bodies.append({"recipient": recipient, "message": {"text": "Mời anh/chị chọn:"}})
            bodies[-1]["message"]["attachment"] = template
        if message.image_url:
            media = {"media_type": "image", "url": message.image_url}
            attachment = {"type": "template", "payload": {"template_type": "media", "elements": [media]}}
            bodies.append({"recipient": recipient, "message": {"attachment": attachment}})
        return bodies

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        if context.credentials is None:
            raise DeliveryError("Xã này chưa kết nối Zalo OA.", retryable=False)
        client = ZaloClient(context.http, context.credentials, context.tokens)
        last_id: str | None = None
        bodies = self.parts(message)
        for index in range(context.parts_sent, len(bodies)):
            last_id = await client.send_cs(bodies[index])
            await context.on_part_sent(index + 1, last_id)
        return last_id

    async def profile(
        self, user_id: str, *, http: httpx.AsyncClient, credentials: Credentials | None, tokens: TokenStore | None
    ) -> Profile | None:
        """Display name (and avatar) from the OA's user detail endpoint."""
        if credentials is None:
            return None
        return await ZaloClient(http, credentials, tokens).user_detail(user_id)

    def notice_phone(self, phone: str | None) -> str | None:
        """ZNS addresses Vietnamese numbers as 84xxxxxxxxx; None for a number it cannot reach."""
        return zns_phone(phone)

    async def send_notice(self, message: OutboundMessage, context: SendContext, route: NoticeRoute) -> str | None:
        """A promotion message to the follower, or a ZNS template (filled from the message context) to the phone."""
        if context.credentials is None:
            raise DeliveryError("Xã này chưa kết nối Zalo OA.", retryable=False)
        client = ZaloClient(context.http, context.credentials, context.tokens)
        if route.name == "promotion":
            body = promotion_body(message.recipient, title=route.title, text=message.text, link=route.link)
            return await client.send_promotion(body)
        if route.name == "zns" and route.phone and route.template_id:
            return await client.send_zns(
                phone=route.phone,
                template_id=route.template_id,
                template_data=template_data(route.template_params, route.fields),
                tracking_id=route.tracking_id,
            )
        raise DeliveryError(f"Zalo không gửi được theo đường {route.name!r}.", retryable=False)
