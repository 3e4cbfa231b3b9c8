"""Sending no faster than each platform allows, highest priority first.

One limiter per platform account (and per API: Zalo's OA API and ZNS are separate), inside this gateway process.
Waiters are served in priority order, then arrival: an emergency announcement is sent before the normal traffic
already waiting. With Redis (several gateway processes) every send also takes the account's next slot in a
schedule kept in Redis, so the processes together keep to the configured rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError

# Sends per second when the account's config says nothing (``rate_per_second``, ``zns_rate_per_second``).
# Telegram documents ~30 messages/second to different chats for one bot; we keep a margin. Zalo publishes no figure
# in the notes we have (its limit shows as error -32): a conservative default, configurable per commune.
log = logging.getLogger(__name__)

DEFAULT_RATES = {"telegram": 25.0, "zalo": 10.0, "zns": 10.0}
# A longer wait gives the row back to the queue instead of holding a worker slot: a slow platform (Zalo) must not
# take all of the worker's slots from a faster one (Telegram). Emergencies always wait their (short) turn.
MAX_WAIT_SECONDS = 2.0


class RateLimiter:
    """Evenly spaced sends; only the head of the (priority, arrival) queue is awake, the others sleep until woken."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._waiting: list[tuple[int, int]] = []
        self._events: dict[tuple[int, int], asyncio.Event] = {}
        self._seq = itertools.count()

    def backlog_seconds(self) -> float:
        """How long a newcomer of normal priority would wait."""
        return max(0.0, self._next - time.monotonic()) + len(self._waiting) * self.interval

    def _wake_head(self) -> None:
        if self._waiting:
            self._events[self._waiting[0]].set()

    async def acquire(self, priority: int = 0) -> None:
        if self.interval == 0:
            return
        entry = (-priority, next(self._seq))
        event = asyncio.Event()
        self._events[entry] = event
        heapq.heappush(self._waiting, entry)
        self._wake_head()
        try:
            while True:
                now = time.monotonic()
                if self._waiting[0] == entry:
                    if now >= self._next:
                        heapq.heappop(self._waiting)
                        self._next = max(now, self._next) + self.interval
                        return
                    event.clear()
                    with contextlib.suppress(TimeoutError):  # woken early when someone more urgent arrives
                        await asyncio.wait_for(event.wait(), timeout=self._next - now)
                else:
                    event.clear()
                    await event.wait()
        finally:
            self._events.pop(entry, None)
            if entry in self._waiting:
                self._waiting.remove(entry)
                heapq.heapify(self._waiting)
            self._wake_head()


def limiter(state: Any, *, channel: str, account_id: int, config: Mapping[str, Any], api: str = "") -> RateLimiter:
    """The process's limiter for one account and API, created on first use (kept on ``app.state``)."""
    table: dict[tuple[str, int, str], RateLimiter] | None = getattr(state, "rate_limiters", None)
    if table is None:
        table = {}
        state.rate_limiters = table
    key = (channel, account_id, api)
    if key not in table:
        name = f"{api}_rate_per_second" if api else "rate_per_second"
        default = DEFAULT_RATES.get(api or channel, 0.0)
        try:
            rate = float(config.get(name, default))
        except (TypeError, ValueError):
            rate = default
        table[key] = RateLimiter(rate)
    return table[key]


# With Redis (several gateway processes), each send also reserves the account's next free slot cluster-wide, so the
# processes together keep to the platform's rate; the local limiter still orders the process's own waiters.
_RESERVE = """
local now = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt < now then nxt = now end
redis.call('SET', KEYS[1], tostring(nxt + tonumber(ARGV[2])), 'PX', 60000)
return tostring(nxt)
"""


async def shared_slot(redis: Any, *, key: str, interval: float) -> None:
    """Wait for this process's turn in the cluster-wide schedule (best effort: a Redis error skips it)."""
    if redis is None or interval <= 0:
        return
    now = time.time()
    try:
        start = float(await redis.eval(_RESERVE, 1, f"xaso:rate:{key}", repr(now), repr(interval)))
    except (RedisError, OSError, ValueError):  # Redis trouble must not stop delivery: the local limit holds
        log.warning("shared rate limit unavailable for %s; using this process's limit only", key)
        return
    if start > now:
        await asyncio.sleep(start - now)
