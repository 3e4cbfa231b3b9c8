"""Login throttling without lockout-as-a-weapon: three counters, each a delay that grows, none a hard lock.

- (login, address): the first ``free_failures`` cost nothing, then each failure doubles the wait
  (``base_seconds`` · 2^(n − free), capped at ``max_seconds``). Guessing one account from one address is slow.
- address (any login): after ``address_free_failures`` failures from one address the same doubling applies to every
  login tried from it (a spray of made-up or real names from one place). Generous, so a commune office behind one NAT
  address is not slowed by a few typos.
- account (any address): after ``account_free_failures`` failures the account's attempts are spaced by a delay that
  doubles with each further failure, capped at ``account_max_seconds`` (minutes, never the old 60-minute lock), and
  only for addresses that have not signed in to that account successfully in the last ``known_days``: a distributed
  guesser slows down the guessing, while the admin at the usual office address signs in at once. An admin may still
  reset the counters (``DELETE /api/v1/staff/{id}/login-lock``).
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
    window_seconds: float = 3600.0
    address_free_failures: int = 30
    account_free_failures: int = 10
    account_max_seconds: float = 300.0
    known_days: float = 30.0

    def delay(self, failures: int, *, free: int | None = None, cap: float | None = None) -> float:
        free = self.free_failures if free is None else free
        if failures < free:
            return 0.0
        return float(min(cap or self.max_seconds, self.base_seconds * 2 ** min(failures - free, 40)))


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
    locked: bool = False  # the account itself is slowed down (for addresses it is not known from)


def _pair(login: str, address: str) -> str:
    return f"pair:{login}|{address}"


def _account(login: str) -> str:
    return f"acct:{login}"


def _address(address: str) -> str:
    return f"addr:{address}"


def _known(login: str, address: str) -> str:
    return f"known:{login}|{address}"


def _wait(counter: Counter, delay: float, now: float) -> float:
    return max(0.0, counter.last + delay - now) if counter.failures else 0.0


class LoginThrottle:
    def __init__(self, store: CounterStore | None = None, policy: ThrottlePolicy | None = None) -> None:
        self.store: CounterStore = store or MemoryStore()
        self.policy = policy or ThrottlePolicy()
        self._fallback = MemoryStore()

    def _get(self, *keys: str) -> list[Counter]:
        try:
            return [self.store.get(key) for key in keys]
        except redis.RedisError as exc:
            log.warning("Redis unavailable for the login throttle, using process memory: %s", exc)
            return [self._fallback.get(key) for key in keys]

    def check(self, login: str, address: str) -> Verdict:
        now, policy = time.time(), self.policy
        pair, by_address, account, known = self._get(
            _pair(login, address), _address(address), _account(login), _known(login, address)
        )
        waits = [
            _wait(pair, policy.delay(pair.failures), now),
            _wait(by_address, policy.delay(by_address.failures, free=policy.address_free_failures), now),
        ]
        account_wait = _wait(
            account,
            policy.delay(account.failures, free=policy.account_free_failures, cap=policy.account_max_seconds),
            now,
        )
        if account_wait > max(waits) and not known.failures:
            return Verdict(math.ceil(account_wait), locked=True)
        return Verdict(math.ceil(max(waits)))

    def record_failure(self, login: str, address: str) -> None:
        now, ttl = time.time(), self.policy.window_seconds
        keys = (_pair(login, address), _address(address), _account(login))
        try:
            for key in keys:
                self.store.add(key, now=now, ttl=ttl)
        except redis.RedisError as exc:
            log.warning("Redis unavailable for the login throttle, using process memory: %s", exc)
            for key in keys:
                self._fallback.add(key, now=now, ttl=ttl)

    def record_success(self, login: str, address: str) -> None:
        """The pair starts again and the address is remembered as one this account signs in from. The account's
        counter is left to expire: the owner signing in must not reset a distributed guesser's slowdown."""
        for store in (self.store, self._fallback):
            try:
                store.clear(_pair(login, address))
                store.add(_known(login, address), now=time.time(), ttl=self.policy.known_days * 86400)
            except redis.RedisError as exc:
                log.warning("Redis unavailable for the login throttle: %s", exc)

    def account_state(self, login: str) -> Verdict:
        counter, policy = self.store.get(_account(login)), self.policy
        delay = policy.delay(counter.failures, free=policy.account_free_failures, cap=policy.account_max_seconds)
        remaining = _wait(counter, delay, time.time())
        return Verdict(math.ceil(remaining), locked=remaining > 0)

    def failures(self, login: str) -> int:
        return self.store.get(_account(login)).failures

    def lift(self, login: str) -> None:
        """An admin resets the account's counter and every (login, address) pair of it."""
        for store in (self.store, self._fallback):
            store.clear(_account(login))
            store.clear_prefix(f"pair:{login}|")
