"""The citizen's name from the platform's profile, looked up once, on the first message of a citizen we know no name
for (Zalo: the OA's user detail endpoint), so staff see a name where they would see an id.

Asked at most once per conversation per process (answers and failures alike are remembered); a citizen with a name
(given in a form, or looked up before) or whose data was erased is never looked up. A failed lookup never holds the
message up: it goes on without a name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.channel_accounts.service import DatabaseTokenStore
from api.citizens.models import Citizen, Conversation
from channels.base import Channel, Credentials, DeliveryError, InboundMessage, ProfileReader

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 5.0
_CACHE_SIZE = 20_000


def _asked(app: FastAPI) -> OrderedDict[str, None]:
    """Conversations whose name is known or was asked for, in this process (per app: tests build many)."""
    asked: OrderedDict[str, None] | None = getattr(app.state, "profiles_asked", None)
    if asked is None:
        asked = app.state.profiles_asked = OrderedDict()
    return asked


def _remember(asked: OrderedDict[str, None], conversation_id: str) -> None:
    asked[conversation_id] = None
    asked.move_to_end(conversation_id)
    while len(asked) > _CACHE_SIZE:
        asked.popitem(last=False)


def _needs_name(factory: sessionmaker[Session], conversation_id: str) -> bool:
    with factory() as session:
        row = session.execute(
            select(Citizen.display_name, Citizen.erased_at)
            .join(Conversation, Conversation.citizen_id == Citizen.id)
            .where(Conversation.conversation_id == conversation_id)
        ).first()
    return row is None or (not row.display_name and row.erased_at is None)


async def with_profile(
    app: FastAPI,
    channel: Channel,
    message: InboundMessage,
    credentials: Callable[[], Awaitable[Credentials | None]],
) -> InboundMessage:
    """The message with the citizen's display name from the platform, when it is the first we can name them by."""
    key, asked = message.conversation_id, _asked(app)
    if (
        not isinstance(channel, ProfileReader)
        or message.display_name
        or message.kind == "unfollow"
        or not message.user_id
        or key in asked
    ):
        return message
    factory: sessionmaker[Session] = app.state.sessionmaker
    if not await run_in_threadpool(_needs_name, factory, key):
        _remember(asked, key)
        return message
    _remember(asked, key)
    try:
        async with asyncio.timeout(LOOKUP_SECONDS):
            profile = await channel.profile(
                message.user_id,
                http=app.state.http,
                credentials=await credentials(),
                tokens=DatabaseTokenStore(factory),
            )
    except (DeliveryError, httpx.HTTPError, TimeoutError) as exc:
        log.warning("profile of %s not read: %s", key, getattr(exc, "reason", type(exc).__name__))
        return message
    if profile is None or not profile.display_name.strip():
        return message
    return dataclasses.replace(message, display_name=profile.display_name)
