"""The one Redis connection of a gateway process, when ``REDIS_URL`` is set (scale-out); None on the embedded default.

Every cross-process mechanism (login throttle, Rasa admission, wake-ups, job locks) asks here and falls back to its
in-process form when there is no Redis.
"""

from __future__ import annotations

from functools import lru_cache

import redis
import redis.asyncio as aioredis


@lru_cache(maxsize=8)
def sync_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)


@lru_cache(maxsize=8)
def async_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0)


def client_for(url: str | None) -> redis.Redis | None:
    """The synchronous client for ``url``, or None when Redis is not configured."""
    return sync_client(url) if url else None


def new_async_client(url: str) -> aioredis.Redis:
    """A client of one's own (one per app: an asyncio client belongs to the event loop that first used it)."""
    return aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=None, socket_connect_timeout=2.0)
