"""Which Rasa replica takes the next turn, and whether it may enter at all (admission).

Each replica takes at most ``max_concurrency`` turns at once (api/nlu/client.py says why); turns beyond that wait here,
first come first served. The replica with the fewest turns in flight is chosen; one that failed is skipped until its
retry time, when one health probe (``GET /status``) decides whether it takes turns again.

Without Redis the counts are this process's own. With Redis (several gateway processes) every turn in flight is a
member of a sorted set per replica, and a small Lua script picks the least-loaded replica with room and enters it in
one round trip: the limit holds for the whole cluster, not per process. Each entry is a short lease (score: when it
lapses) that the process renews while its turn is in flight (``hold``), so the turns of a killed process free their
room within ``LEASE_SECONDS`` - not after the longest a turn may take, which left a surviving replica short of room for
half a minute while it also took the dead replica's turns.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "xaso:rasa:inflight:"
REDIS_POLL_SECONDS = 0.01  # the head of the queue re-asks Redis this often while every replica is full
REDIS_RETRY_SECONDS = 0.5  # and this often while Redis cannot be reached
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 15.0
LEASE_SECONDS = 6.0  # an in-flight entry lapses this long after its process last renewed it (every third of it)

# KEYS: one sorted set per candidate replica. ARGV: now, expiry of the new entry, limit, token.
# Returns the 1-based index of the replica entered, or 0 when all are full.
_ENTER = """
local best, best_count = 0, nil
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local count = redis.call('ZCARD', key)
  if count < tonumber(ARGV[3]) and (best_count == nil or count < best_count) then
    best, best_count = i, count
  end
end
if best > 0 then
  redis.call('ZADD', KEYS[best], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[best], math.ceil((tonumber(ARGV[2]) - tonumber(ARGV[1])) * 1000))
end
return best
"""


@dataclass
class Replica:
    url: str
    http: httpx.AsyncClient
    inflight: int = 0
    down_until: float = 0.0  # monotonic; 0 when healthy
    backoff: float = FIRST_BACKOFF
    probing: bool = False

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.url

    def healthy(self, now: float) -> bool:
        return self.down_until == 0.0


@dataclass
class Slot:
    replica: Replica
    token: str


@dataclass
class _Queue:
    """The waiting turns of one event loop (tests run several loops over one client)."""

    waiters: collections.deque[asyncio.Future[Slot]] = field(default_factory=collections.deque)
    poller: asyncio.Task[None] | None = None


class ReplicaPool:
    def __init__(
        self, urls: list[str], *, make_http: type[httpx.AsyncClient] | None = None, limit: int,
        lease_seconds: float = LEASE_SECONDS, redis: aioredis.Redis | None = None, probe_token: str = "",
    ) -> None:  # fmt: skip
        factory = make_http or httpx.AsyncClient
        self.replicas = [Replica(url, factory(base_url=url)) for url in urls]
        self.limit = limit
        self.lease_seconds = lease_seconds
        self._redis = redis
        self._script = redis.register_script(_ENTER) if redis is not None else None
        self._queues: dict[int, _Queue] = {}
        self._probe_token = probe_token

    async def aclose(self) -> None:
        for replica in self.replicas:
            await replica.http.aclose()

    # ---- health -------------------------------------------------------------------------------------------------
    def candidates(self, exclude: set[str] = frozenset()) -> list[Replica]:  # type: ignore[assignment]
        now = time.monotonic()
        for replica in self.replicas:
            if replica.down_until and now >= replica.down_until and not replica.probing:
                replica.probing = True
                asyncio.get_running_loop().create_task(self._probe(replica))
        left = [r for r in self.replicas if r.url not in exclude]
        healthy = [r for r in left if r.healthy(now)]
        if healthy or not left:
            return healthy
        # All the others marked down (maybe by one dropped connection a moment ago): still try the one that comes back
        # soonest rather than give up at once; if it is really down the turn fails fast with the usual busy answer.
        return [min(left, key=lambda r: r.down_until)]

    def failed(self, replica: Replica) -> None:
        replica.down_until = time.monotonic() + replica.backoff
        replica.backoff = min(MAX_BACKOFF, replica.backoff * 2)

    def succeeded(self, replica: Replica) -> None:
        if replica.down_until:
            replica.down_until, replica.backoff = 0.0, FIRST_BACKOFF

    async def _probe(self, replica: Replica) -> None:
        try:
            response = await replica.http.get("/status", params={"token": self._probe_token}, timeout=2.0)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        replica.probing = False
        if ok:
            self.succeeded(replica)
        else:
            self.failed(replica)
        self._hand_over()

    # ---- admission ----------------------------------------------------------------------------------------------
    def _queue(self) -> _Queue:
        loop_id = id(asyncio.get_running_loop())
        queue = self._queues.get(loop_id)
        if queue is None:
            queue = self._queues[loop_id] = _Queue()
        return queue

    async def _try_enter(self, exclude: set[str]) -> Slot | None:
        choices = self.candidates(exclude)
        if not choices:
            return None
        token = uuid.uuid4().hex
        if self._script is None:
            replica = min(choices, key=lambda r: r.inflight)
            if replica.inflight >= self.limit:
                return None
            replica.inflight += 1
            return Slot(replica, token)
        now = time.time()
        index = int(
            await self._script(keys=[r.key for r in choices], args=[now, now + self.lease_seconds, self.limit, token])
        )
        if index == 0:
            return None
        replica = choices[index - 1]
        replica.inflight += 1
        return Slot(replica, token)

    async def acquire(self, exclude: set[str] = frozenset()) -> Slot | None:  # type: ignore[assignment]
        """A slot on the least-loaded healthy replica, waiting in arrival order; None when none is left to try.
        The caller bounds the wait (``asyncio.timeout``)."""
        queue = self._queue()
        if not queue.waiters:
            slot = await self._try_enter(exclude)
            if slot is not None or not self.candidates(exclude):
                return slot
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        queue.waiters.append(future)
        if self._redis is not None and queue.poller is None:
            queue.poller = asyncio.get_running_loop().create_task(self._poll(queue))
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                await self.release(future.result())  # granted just as we gave up: hand it back
            raise
        finally:
            if future in queue.waiters:
                queue.waiters.remove(future)

    @contextlib.asynccontextmanager
    async def hold(self, slot: Slot) -> AsyncIterator[None]:
        """Use a slot: its Redis lease is renewed meanwhile, and it is released at the end whatever happens."""
        renewer = asyncio.get_running_loop().create_task(self._renew(slot)) if self._redis is not None else None
        try:
            yield
        finally:
            if renewer is not None:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
            await self.release(slot)

    async def _renew(self, slot: Slot) -> None:
        assert self._redis is not None
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            lapses = time.time() + self.lease_seconds
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.zadd(slot.replica.key, {slot.token: lapses}, xx=True)
                    pipe.pexpire(slot.replica.key, int(self.lease_seconds * 1000) + 1000)
                    await pipe.execute()
            except RedisError as exc:  # the turn goes on; at worst its room is freed early
                log.warning("could not renew a Rasa slot lease: %s", exc)

    async def release(self, slot: Slot) -> None:
        slot.replica.inflight -= 1
        if self._redis is not None:
            try:
                await self._redis.zrem(slot.replica.key, slot.token)
            except RedisError as exc:  # Redis restarting: the entry lapses by itself; the turn's answer stays
                log.warning("could not release a Rasa slot: %s", exc)
        else:
            self._hand_over()

    def _hand_over(self) -> None:
        """Without Redis: give freed room to the waiters, oldest first."""
        if self._redis is not None:
            return
        queue = self._queues.get(id(asyncio.get_running_loop()))
        while queue and queue.waiters:
            choices = [r for r in self.candidates() if r.inflight < self.limit]
            if not choices:
                return
            future = queue.waiters.popleft()
            if future.done():
                continue
            replica = min(choices, key=lambda r: r.inflight)
            replica.inflight += 1
            future.set_result(Slot(replica, uuid.uuid4().hex))

    async def _poll(self, queue: _Queue) -> None:
        """With Redis: the oldest waiter asks for room until it gets it, then the next one."""
        try:
            while queue.waiters:
                head = queue.waiters[0]
                if head.done():
                    queue.waiters.popleft()
                    continue
                try:
                    slot = await self._try_enter(set())
                except RedisError as exc:  # Redis restarting: ask again shortly; each waiter bounds its own wait
                    log.warning("Rasa admission: %s", exc)
                    await asyncio.sleep(REDIS_RETRY_SECONDS)
                    continue
                if slot is None:
                    await asyncio.sleep(REDIS_POLL_SECONDS)
                    continue
                if head.done():  # gave up meanwhile
                    await self.release(slot)
                    continue
                queue.waiters.popleft()
                head.set_result(slot)
        finally:
            queue.poller = None
