"""Conversation ids: the one place their format is written and read.

A conversation is one citizen on one channel of one commune: ``<prefix>:<commune slug>:<external id>`` where the prefix
names the channel (``zalo``, ``tg`` for Telegram, ``web``) and the external id is the platform's user or chat id (the
web widget's random session id). Every other module builds and reads ids through :class:`ConversationId`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

# channel name → id prefix (Telegram's is short for historical reasons: ids already stored keep working)
# The one list of channels (names in order; actions/common.py's copy on the Rasa side is checked against it):
PREFIXES: dict[str, str] = {"zalo": "zalo", "telegram": "tg", "web": "web"}
CHANNELS: dict[str, str] = {prefix: name for name, prefix in PREFIXES.items()}
NAMES: tuple[str, ...] = tuple(PREFIXES)
WITH_ACCOUNTS: tuple[str, ...] = ("zalo", "telegram")  # the platforms a commune connects its own account (OA, bot) to
MAX_LENGTH = 255
_SLUG = re.compile(r"^[^\s:]{1,64}$")  # slugs are checked where communes are created; here: no separator, no blank
_EXTERNAL = re.compile(r"^[^\s\x00-\x1f]{1,160}$")


class InvalidConversationId(ValueError):
    """The text is not ``<zalo|tg|web>:<commune>:<external id>``."""


@dataclass(frozen=True, slots=True)
class ConversationId:
    channel: str  # zalo | telegram | web
    commune: str  # the commune's slug
    external: str  # the platform's user/chat id (web: the widget's session id)

    def __post_init__(self) -> None:
        if self.channel not in PREFIXES:
            raise InvalidConversationId(f"unknown channel {self.channel!r}")
        if not _SLUG.match(self.commune):
            raise InvalidConversationId(f"invalid commune slug {self.commune[:70]!r}")
        if not _EXTERNAL.match(self.external):
            raise InvalidConversationId(f"invalid external id {self.external[:170]!r}")

    @property
    def prefix(self) -> str:
        return PREFIXES[self.channel]

    def __str__(self) -> str:
        return f"{PREFIXES[self.channel]}:{self.commune}:{self.external}"

    @classmethod
    def parse(cls, text: str) -> ConversationId:
        """``"tg:xa-demo:12345"`` → ConversationId("telegram", "xa-demo", "12345"); raises InvalidConversationId."""
        if not isinstance(text, str) or len(text) > MAX_LENGTH:
            raise InvalidConversationId("conversation id missing or too long")
        parts = text.split(":", 2)
        if len(parts) != 3:
            raise InvalidConversationId("expected <channel>:<commune>:<external id>")
        prefix, commune, external = parts
        channel = CHANNELS.get(prefix)
        if channel is None:
            raise InvalidConversationId(f"unknown conversation prefix {prefix[:20]!r}")
        return cls(channel, commune, external)

    @classmethod
    def try_parse(cls, text: str | None) -> ConversationId | None:
        try:
            return cls.parse(text or "")
        except InvalidConversationId:
            return None


def format_id(channel: str, commune: str, external: str | int) -> str:
    """The id string for a channel's event (raises InvalidConversationId for ids we could not read back)."""
    return str(ConversationId(channel, commune, str(external)))


# Staff screens and APIs name a conversation by a sealed reference, never by its id: a web conversation id holds the
# widget's sender id, the session's only secret (with it one reads the staff's replies and writes as the citizen).
# AES-SIV is deterministic (one conversation, one link) and authenticated (a made-up or edited reference is refused).
REF_PREFIX = "h-"


class InvalidConversationRef(ValueError):
    """Not a reference this server sealed (edited, truncated, or sealed under another key)."""


def _siv(key: bytes) -> AESSIV:
    return AESSIV(hashlib.sha512(b"xaso-conversation-ref-v1:" + key).digest())


def seal_ref(conversation_id: str, *, key: bytes) -> str:
    """The opaque reference staff see for ``conversation_id`` (``h-`` + URL-safe base64, no padding)."""
    token = _siv(key).encrypt(conversation_id.encode("utf-8"), None)
    return REF_PREFIX + base64.urlsafe_b64encode(token).decode("ascii").rstrip("=")


def open_ref(ref: str, *, key: bytes) -> ConversationId:
    """The conversation a sealed reference names; raises InvalidConversationRef."""
    if not isinstance(ref, str) or not ref.startswith(REF_PREFIX) or len(ref) > 2 * MAX_LENGTH:
        raise InvalidConversationRef("not a conversation reference")
    body = ref.removeprefix(REF_PREFIX)
    try:
        token = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        text = _siv(key).decrypt(token, None).decode("utf-8")
        return ConversationId.parse(text)
    except (binascii.Error, ValueError, InvalidTag, InvalidConversationId):
        raise InvalidConversationRef("not a conversation reference") from None
