"""Explicit channel registration: the gateway asks here for the connector of a name or conversation prefix."""

from __future__ import annotations

from channels.base import Channel

_CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _CHANNELS[channel.name] = channel


def get(name: str) -> Channel:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise LookupError(f"channel {name!r} is not registered") from None


def for_conversation(conversation_id: str) -> Channel:
    prefix = conversation_id.partition(":")[0]
    for channel in _CHANNELS.values():
        if channel.prefix == prefix:
            return channel
    raise LookupError(f"no channel for conversation {conversation_id!r}")


def register_defaults() -> None:
    from channels.telegram.connector import TelegramChannel
    from channels.web.connector import WebChannel
    from channels.zalo.connector import ZaloChannel

    for channel in (ZaloChannel(), TelegramChannel(), WebChannel()):
        register(channel)
