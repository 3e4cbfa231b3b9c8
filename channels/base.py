"""The one interface every channel implements: verify an inbound request, parse it, send a message out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


class InboundRejected(Exception):
    """The request is not from the platform (bad or missing signature/secret): answer 401/403, store nothing."""

    def __init__(self, message: str, *, status_code: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class InboundMessage:
    """A platform event normalised for routing. ``event_id`` is the platform's id, used to drop redeliveries."""

    event_id: str
    conversation_id: str
    user_id: str
    kind: str  # text | image | file | sticker | location | follow | unfollow | contact | start | button
    text: str = ""
    attachments: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    display_name: str | None = None
    phone: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    conversation_id: str
    recipient: str  # the platform's user/chat id (the last part of the conversation id)
    text: str
    buttons: tuple[Mapping[str, str], ...] = ()
    image_url: str | None = None


@dataclass
class Credentials:
    """A commune's account on one platform: secrets, tokens and endpoints (the API base is configurable for tests)."""

    account_id: int
    commune_slug: str
    config: dict[str, Any]
    secrets: dict[str, str]
    access_token: str | None = None
    refresh_token: str | None = None
    access_token_expires_at: float | None = None  # epoch seconds


class TokenStore(Protocol):
    async def rotate(self, credentials: Credentials, *, access_token: str, refresh_token: str, expires_in: int) -> None:
        """Persist a new token pair atomically (committed) before it is used; updates ``credentials`` in place."""

    async def reload(self, credentials: Credentials) -> None:
        """Re-read the stored tokens (another worker may have rotated them)."""


@dataclass
class SendContext:
    http: httpx.AsyncClient
    credentials: Credentials | None
    tokens: TokenStore | None
    parts_sent: int  # parts of this message the platform already accepted (skip them on retry)
    on_part_sent: Callable[[int, str | None], Awaitable[None]]  # (parts now sent, platform message id)


class DeliveryError(Exception):
    """A send failed. ``retryable`` failures go back to the queue; the others are recorded for staff to see."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    name: str  # zalo | telegram | web
    prefix: str  # conversation id prefix: zalo | tg | web

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        """Raise :class:`InboundRejected` unless the request provably comes from the platform."""

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        """Normalise one webhook payload; events we do not act on (echoes of our own messages) give ``[]``."""

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        """Deliver (the remaining parts of) a message; return the platform's message id or raise DeliveryError."""
