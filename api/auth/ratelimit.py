"""Login throttling keyed on (login, client address), with exponential backoff and a per-account soft lock.

- Failures of one login from one address: the first ``free_failures`` cost nothing, then each one doubles the wait
  (``base_seconds`` · 2^(n − free), capped at ``max_seconds``). Strangers guessing made-up names from a commune's NAT
  address slow down only their own (login, address) pairs: nobody else is locked out.
- Failures of one login from any address: at ``lock_failures`` within the window the account is soft-locked (a
  distributed guess at one account); the lock ends ``window_seconds`` after the last failure, or when an admin lifts
  it (``DELETE /api/v1/staff/{id}/login-lock``).
- The address is ``request.client.host``: uvicorn replaces it from ``X-Forwarded-For`` only for proxies listed in
  ``XASO_FORWARDED_ALLOW_IPS`` (scripts/start-gateway.sh); a header sent by anyone else is ignored.
- With ``REDIS_URL`` set, counters live in Redis and hold across every gateway process; otherwise in memory. If Redis
  stops answering, the process falls back to its own memory rather than refusing every login.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis

log = logging.getLogger(__name__)
KEY_PREFIX = "xaso:login:"


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3
    base_seconds: float = 2.0
    max_seconds: float = 900.0
    lock_failures: int = 20
    window_seconds: float = 3600.0

    def delay(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        return float(min(self.max_seconds, self.base_seconds * 2 ** min(failures - self.free_failures, 40)))


@dataclass(frozen=True)
class Counter:
    failures: int = 0
    last: float = 0.0


class CounterStore(Protocol):
    def get(self, key: str) -> Counter: ...
    def add(self, key: str, *, now: float, ttl: float) -> Counter: ...
    def clear(self, *keys: str) -> None: ...
    def clear_prefix(self, prefix: str) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._counters: dict[str, tuple[Counter, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Counter:
        with self._lock:
            found = self._counters.get(key)
            if found is None or found[1] <= time.time():
                return Counter()
            return found[0]

    def add(self, key: str, *, now: float, ttl: float) -> Counter:
        with self._lock:
            found = self._counters.get(key)
            failures = found[0].failures if found is not None and found[1] > now else 0
            counter = Counter(failures + 1, now)
            self._counters[key] = (counter, now + ttl)
            if len(self._counters) > 50_000:  # bound memory against a spray of random logins
                for stale in [k for k, (_c, expiry) in self._counters.items() if expiry <= now]:
                    del self._counters[stale]
            return counter

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._counters.pop(key, None)

    def clear_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._counters if k.startswith(prefix)]:
                del self._counters[key]


class RedisStore:
    """Counters as Redis hashes ``{failures, last}`` that expire ``ttl`` after the last failure."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def get(self, key: str) -> Counter:
        values = self.client.hgetall(KEY_PREFIX + key)
        if not values:
            return Counter()
        return Counter(int(values.get("failures", 0)), float(values.get("last", 0.0)))

    def add(self, key: str, *, now: float, ttl: float) -> Counter:
        name = KEY_PREFIX + key
        pipe = self.client.pipeline(transaction=True)
        pipe.hincrby(name, "failures", 1)
        pipe.hset(name, "last", repr(now))
        pipe.expire(name, math.ceil(ttl))
        failures, _set, _expire = pipe.execute()
        return Counter(int(failures), now)

    def clear(self, *keys: str) -> None:
        if keys:
            self.client.delete(*(KEY_PREFIX + k for k in keys))

    def clear_prefix(self, prefix: str) -> None:
        names = list(self.client.scan_iter(match=KEY_PREFIX + prefix + "*", count=500))
        if names:
            self.client.delete(*names)


@dataclass(frozen=True)
class Verdict:
    retry_after: int = 0  # seconds before this (login, address) may try again
    locked: bool = False  # the account is soft-locked (from any address)


def _pair(login: str, address: str) -> str:
    return f"pair:{login}|{address}"


def _account(login: str) -> str:
    return f"acct:{login}"


class LoginThrottle:
    def __init__(self, store: CounterStore | None = None, policy: ThrottlePolicy | None = None) -> None:
        self.store: CounterStore = store or MemoryStore()
        self.policy = policy or ThrottlePolicy()
        self._fallback = MemoryStore()

    def check(self, login: str, address: str) -> Verdict:
        now = time.time()
        try:
            pair, account = self.store.get(_pair(login, address)), self.store.get(_account(login))
        except redis.RedisError as exc:
            log.warning("Redis unavailable for the login throttle, using process memory: %s", exc)
            pair, account = self._fallback.get(_pair(login, address)), self._fallback.get(_account(login))
        if account.failures >= self.policy.lock_failures:
            return Verdict(math.ceil(max(0.0, account.last + self.policy.window_seconds - now)), locked=True)
        wait = pair.last + self.policy.delay(pair.failures) - now if pair.failures else 0.0
        return Verdict(math.ceil(max(0.0, wait)))

    def record_failure(self, login: str, address: str) -> None:
        now, ttl = time.time(), self.policy.window_seconds
        try:
            self.store.add(_pair(login, address), now=now, ttl=ttl)
            self.store.add(_account(login), now=now, ttl=ttl)
        except redis.RedisError as exc:
            log.warning("Redis unavailable for the login throttle, using process memory: %s", exc)
            self._fallback.add(_pair(login, address), now=now, ttl=ttl)
            self._fallback.add(_account(login), now=now, ttl=ttl)

    def record_success(self, login: str, address: str) -> None:
        for store in (self.store, self._fallback):
            try:
                store.clear(_pair(login, address), _account(login))
            except redis.RedisError as exc:
                log.warning("Redis unavailable for the login throttle: %s", exc)

    def account_state(self, login: str) -> Verdict:
        counter = self.store.get(_account(login))
        remaining = counter.last + self.policy.window_seconds - time.time()
        locked = counter.failures >= self.policy.lock_failures and remaining > 0
        return Verdict(math.ceil(max(0.0, remaining)) if locked else 0, locked=locked)

    def failures(self, login: str) -> int:
        return self.store.get(_account(login)).failures

    def lift(self, login: str) -> None:
        """An admin lifts the soft lock: the account counter and every (login, address) pair start again."""
        for store in (self.store, self._fallback):
            store.clear(_account(login))
            store.clear_prefix(f"pair:{login}|")
