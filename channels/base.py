"""The one interface every channel implements: verify an inbound request, parse it, send a message out; and the
optional one of a channel that can reach citizens outside its free reply window (:class:`NoticeSender`).

The gateway core (``api/``) knows channels only through this module and ``channels/registry.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx

from channels.text import clean_text


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

    def __post_init__(self) -> None:
        """Normalised once, here, for every channel (NFC, no control characters): no later layer refuses a message
        that was accepted (a NUL used to lose a report at confirmation)."""
        object.__setattr__(self, "event_id", clean_text(self.event_id))
        object.__setattr__(self, "text", clean_text(self.text))
        if self.display_name is not None:
            object.__setattr__(self, "display_name", clean_text(self.display_name) or None)
        if self.phone is not None:
            object.__setattr__(self, "phone", clean_text(self.phone) or None)
        object.__setattr__(self, "attachments", tuple(a for a in map(clean_text, self.attachments) if a))


@dataclass(frozen=True)
class OutboundMessage:
    conversation_id: str
    recipient: str  # the platform's user/chat id (the last part of the conversation id)
    text: str
    buttons: tuple[Mapping[str, str], ...] = ()
    image_url: str | None = None
    # The stored (outbox) message's id: a connector that pages buttons points its "Xem thêm" button at it.
    message_id: int | None = None


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


class AttachmentUnavailable(Exception):
    """A citizen's attachment the platform cannot hand out (unknown or expired id, too big, platform down)."""


class DeliveryError(Exception):
    """A send failed. ``retryable`` failures go back to the queue; the others are recorded for staff to see."""

    def __init__(
        self, reason: str, *, retryable: bool, retry_after: float | None = None, max_attempts: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        # Fewer tries than an outage gets (an unknown platform error): then failed and shown to staff.
        self.max_attempts = max_attempts


class RecipientGone(DeliveryError):
    """The citizen blocked the bot or unfollowed the OA: nothing will reach them until they come back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class OutsideWindow(DeliveryError):
    """The platform refused a free reply: the citizen last wrote too long ago (its interaction window is closed).
    The gateway may take an out-of-window route next (:class:`NoticeRoute`)."""


@dataclass(frozen=True)
class NoticeRoute:
    """How one notice reaches a citizen outside the platform's free reply window, as the gateway's policy chose it;
    the connector turns it into the platform's message. Fields a route does not use stay empty."""

    name: str  # promotion (to a follower, within a monthly quota) | zns (a pre-approved template to a phone number)
    tracking_id: str  # the gateway's id of the message, echoed in the platform's delivery reports
    title: str = "Thông báo"
    link: str | None = None  # a button opening it (a bulletin's audio)
    phone: str | None = None  # as the connector addresses it (:meth:`NoticeSender.notice_phone`)
    template_id: str | None = None
    # parameter → pattern ("Hồ sơ {case_code}") or {"type": …, "value": pattern}, as the commune configured it
    template_params: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)  # what the patterns are filled from (the message context)


@dataclass(frozen=True)
class Profile:
    """What a platform says about a user: the name staff see for a citizen who has not told us theirs."""

    display_name: str
    avatar_url: str | None = None


class Channel(Protocol):
    name: str  # zalo | telegram | web (conversation ids: channels/ids.py)

    def verify(self, *, headers: Mapping[str, str], body: bytes, credentials: Credentials | None) -> None:
        """Raise :class:`InboundRejected` unless the request provably comes from the platform."""

    def parse(self, payload: Mapping[str, Any], *, commune: str) -> list[InboundMessage]:
        """Normalise one webhook payload; events we do not act on (echoes of our own messages) give ``[]``."""

    async def send(self, message: OutboundMessage, context: SendContext) -> str | None:
        """Deliver (the remaining parts of) a message; return the platform's message id or raise DeliveryError."""

    async def acknowledge(
        self, message: InboundMessage, credentials: Callable[[], Awaitable[Credentials | None]]
    ) -> None:
        """Tell the platform an event was taken (Telegram: stop the pressed button's spinner). Best effort, never
        raises; ``credentials`` loads the commune's account only if the channel needs it."""

    async def close(self) -> None:
        """Release the channel's connections (the outbox worker calls it on shutdown)."""


@runtime_checkable
class NoticeSender(Protocol):
    """A connector that can send notices outside the free reply window (Zalo: promotion and ZNS messages). Channels
    without these methods support no out-of-window route."""

    def notice_phone(self, phone: str | None) -> str | None:
        """A citizen's phone number as the platform addresses notices to it, None if it cannot be addressed."""

    async def send_notice(self, message: OutboundMessage, context: SendContext, route: NoticeRoute) -> str | None:
        """Deliver ``message`` by ``route`` (one part); return the platform's message id or raise DeliveryError."""


@runtime_checkable
class ProfileReader(Protocol):
    """A connector that can look up a user's profile (Zalo: the OA's user detail endpoint)."""

    async def profile(
        self, user_id: str, *, http: httpx.AsyncClient, credentials: Credentials | None, tokens: TokenStore | None
    ) -> Profile | None:
        """The user's profile, None when the platform gives none; raises DeliveryError when it cannot be asked."""
