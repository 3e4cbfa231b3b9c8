"""Explicit channel registration: the gateway asks here for the connector of a name or conversation prefix."""

from __future__ import annotations

from channels.base import Channel
from channels.ids import ConversationId

_CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _CHANNELS[channel.name] = channel


def get(name: str) -> Channel:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise LookupError(f"channel {name!r} is not registered") from None


def names() -> list[str]:
    return list(_CHANNELS)


def for_conversation(conversation_id: str) -> Channel:
    parsed = ConversationId.try_parse(conversation_id)
    if parsed is None or parsed.channel not in _CHANNELS:
        raise LookupError(f"no channel for conversation {conversation_id[:100]!r}")
    return _CHANNELS[parsed.channel]


def register_defaults() -> None:
    from channels.telegram.connector import TelegramChannel
    from channels.web.connector import WebChannel
    from channels.zalo.connector import ZaloChannel

    for channel in (ZaloChannel(), TelegramChannel(), WebChannel()):
        register(channel)
