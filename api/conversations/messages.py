"""What the citizen sees from the gateway itself, and how inbound messages are put into words for Rasa and staff."""

from __future__ import annotations

import re
from typing import Any

from channels.base import InboundMessage

BUSY_TEXT = (
    "Hệ thống đang bận, bạn vui lòng chờ trong giây lát. "
    "Tin nhắn của bạn đã được ghi nhận và sẽ được trả lời ngay khi hệ thống hoạt động trở lại."
)
RATING_THANKS = "Cảm ơn bạn đã đánh giá {stars}! Ý kiến của bạn giúp UBND xã phục vụ người dân tốt hơn."
CONTACT_THANKS = "Cảm ơn bạn đã cung cấp thông tin liên hệ."
START_PAYLOAD = "/greet"

_PLACEHOLDER = {"image": "[hình ảnh]", "file": "[tệp đính kèm]", "sticker": "[nhãn dán]", "location": "[vị trí]"}
_RATING = re.compile(r"^\s*([1-5])(?:\s*(?:/\s*5|sao|⭐+|\*))?\s*[.,:;-]?\s*(.*)$", re.DOTALL | re.IGNORECASE)


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.google.com/maps?q={latitude:.6f},{longitude:.6f}"


def rasa_text(message: InboundMessage) -> str:
    """The text Rasa sees. Media without a caption becomes a short marker; the details travel in the metadata."""
    if message.kind in ("start", "follow"):
        return START_PAYLOAD
    if message.text:
        return message.text
    return _PLACEHOLDER.get(message.kind, message.kind)


def rasa_metadata(message: InboundMessage, *, commune: str, channel: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"commune": commune, "channel": channel, "message_type": message.kind}
    if message.attachments:
        metadata["attachments"] = list(message.attachments)
    if message.latitude is not None and message.longitude is not None:
        metadata["location"] = {"latitude": message.latitude, "longitude": message.longitude}
    if message.display_name:
        metadata["display_name"] = message.display_name
    return metadata


def timeline_text(message: InboundMessage) -> tuple[str, list[str]]:
    """The citizen's message as it goes onto a case timeline: text plus attachment links."""
    attachments = list(message.attachments)
    text = message.text
    if message.kind == "location" and message.latitude is not None and message.longitude is not None:
        attachments.append(map_link(message.latitude, message.longitude))
        text = text or f"Vị trí: {message.latitude:.6f}, {message.longitude:.6f}"
    return text or _PLACEHOLDER.get(message.kind, ""), attachments


def parse_rating(text: str) -> tuple[int, str | None] | None:
    """``"5"``, ``"4 sao"``, ``"3/5 chờ hơi lâu"`` → (stars, comment); anything else is not a rating."""
    match = _RATING.match(text or "")
    if match is None:
        return None
    comment = match.group(2).strip() or None
    return int(match.group(1)), comment


def reply_fields(reply: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None, str | None]:
    """A Rasa reply's text, buttons and image (custom payloads carrying text are shown as text)."""
    text = str(reply.get("text") or "")
    custom = reply.get("custom")
    if not text and isinstance(custom, dict) and isinstance(custom.get("text"), str):
        text = custom["text"]
    buttons = reply.get("buttons") if isinstance(reply.get("buttons"), list) else None
    image = reply.get("image") if isinstance(reply.get("image"), str) else None
    return text, buttons, image
