"""Zalo OA webhook events → normalised inbound messages. Ids are strings (they exceed 2^53): never parse as numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.base import InboundMessage
from channels.ids import format_id

TEXT_EVENTS = {"user_send_text": "text", "user_send_link": "text"}
ATTACHMENT_EVENTS = {
    "user_send_image": "image",
    "user_send_gif": "image",
    "user_send_file": "file",
    "user_send_sticker": "sticker",
    "user_send_location": "location",
    "user_send_audio": "file",
    "user_send_video": "file",
}
HANDLED = {*TEXT_EVENTS, *ATTACHMENT_EVENTS, "follow", "unfollow", "user_submit_info"}


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def is_echo(payload: Mapping[str, Any]) -> bool:
    """``oa_send_*`` events echo the OA's own messages: answering them would make the bot talk to itself."""
    return _str(payload.get("event_name")).startswith("oa_send_")


def user_id(payload: Mapping[str, Any]) -> str:
    if payload.get("event_name") in ("follow", "unfollow"):
        return _str(_dict(payload.get("follower")).get("id"))
    return _str(_dict(payload.get("sender")).get("id"))


def event_id(payload: Mapping[str, Any]) -> str:
    """``message.msg_id`` (some payloads say ``mid``); events without a message get a key of their own."""
    message = _dict(payload.get("message"))
    msg_id = _str(message.get("msg_id") or message.get("mid"))
    if msg_id:
        return msg_id
    return f"{payload.get('event_name')}:{user_id(payload)}:{_str(payload.get('timestamp'))}"


def _location(message: Mapping[str, Any], attachment_payload: Mapping[str, Any]) -> tuple[float | None, float | None]:
    coordinates = _dict(attachment_payload.get("coordinates")) or _dict(message.get("location"))
    latitude = _float(coordinates.get("latitude", coordinates.get("lat")))
    longitude = _float(coordinates.get("longitude", coordinates.get("long", coordinates.get("lng"))))
    return latitude, longitude


def parse_event(payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
    name = _str(payload.get("event_name"))
    uid = user_id(payload)
    if name not in HANDLED or not uid:
        return []
    message = _dict(payload.get("message"))
    base: dict[str, Any] = {
        "event_id": event_id(payload),
        "conversation_id": format_id("zalo", commune, uid),
        "user_id": uid,
        "extra": {"event_name": name, "timestamp": _str(payload.get("timestamp"))},
    }
    if name in TEXT_EVENTS:
        return [InboundMessage(kind="text", text=_str(message.get("text")).strip(), **base)]
    if name in ("follow", "unfollow"):
        return [InboundMessage(kind=name, **base)]
    if name == "user_submit_info":
        info = _dict(payload.get("info"))
        return [
            InboundMessage(
                kind="contact",
                display_name=_str(info.get("name")) or None,
                phone=_str(info.get("phone")) or None,
                text=_str(info.get("address")),
                **base,
            )
        ]
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, Mapping)]
    first = _dict(attachments[0].get("payload")) if attachments else {}
    kind = ATTACHMENT_EVENTS[name]
    if kind == "location":
        latitude, longitude = _location(message, first)
        text = _str(message.get("text"))
        return [InboundMessage(kind=kind, latitude=latitude, longitude=longitude, text=text, **base)]
    urls = tuple(_str(_dict(a.get("payload")).get("url")) for a in attachments if _dict(a.get("payload")).get("url"))
    caption = _str(message.get("text")).strip()
    if kind == "file" and first.get("name"):
        base["extra"] = {**base["extra"], "file_name": _str(first.get("name")), "file_size": _str(first.get("size"))}
    return [InboundMessage(kind=kind, text=caption, attachments=urls, **base)]
