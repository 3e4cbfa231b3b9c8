"""Budgets for anonymous web traffic: what one address or one chat session may spend, shared by every gateway process.

The web channel is public (the session id in the sender is the only capability), so one address could open sessions,
send messages, file cases, upload photos and hold event streams without end. Each has a budget here:

- messages per sender (per minute) and new sessions per address (per hour): over budget, the widget gets a polite
  Vietnamese reply naming the wait and the emergency numbers, the message is neither stored nor sent to Rasa — except
  an emergency, which always goes through (api/webhooks/routes.py screens it first);
- cases filed per session and per address (per hour), checked when the action server files one from a web chat;
- photo uploads per session and per address (per hour): a new session does not reset the address's budget;
- concurrent event streams per session and per address: leases that end with the stream (or expire on their own).

With ``REDIS_URL`` the counters live in Redis (every gateway process sees them, as for the login throttle); otherwise
in this process's memory. If Redis stops answering, the process falls back to its memory rather than refusing
citizens. Windows slide (the last minute, the last hour). Budgets are settings (``XASO_WEB_*``); 0 turns one off.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Protocol

import redis
from fastapi import Request

from api.config import Settings
from api.errors import RateLimited
from api.infra.redis import client_for

log = logging.getLogger(__name__)
PREFIX = "xaso:budget:"
HOUR, MINUTE = 3600.0, 60.0
SESSION_RETRY_SECONDS = 600  # the wait named to a new session over its address's budget


class Store(Protocol):
    def spend(self, key: str, *, limit: int, window: float, now: float) -> int: ...
    def join(self, key: str, member: str, *, limit: int, window: float, now: float) -> bool: ...
    def lease(self, key: str, lease: str, *, limit: int, ttl: float, now: float) -> bool: ...
    def release(self, key: str, lease: str) -> None: ...
    def remember(self, key: str, value: str, *, ttl: float) -> None: ...
    def recall(self, key: str) -> str | None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: dict[str, tuple[list[float], float]] = {}
        self._sets: dict[str, tuple[dict[str, float], float]] = {}
        self._leases: dict[str, dict[str, float]] = {}
        self._values: dict[str, tuple[str, float]] = {}

    def _sweep(self, now: float) -> None:
        if len(self._times) + len(self._sets) > 50_000:  # bound memory against a spray of addresses
            for stale in [k for k, (_t, expiry) in self._times.items() if expiry <= now]:
                del self._times[stale]
            for stale in [k for k, (_m, expiry) in self._sets.items() if expiry <= now]:
                del self._sets[stale]
            for stale in [k for k, (_v, expiry) in self._values.items() if expiry <= time.time()]:
                del self._values[stale]

    def spend(self, key: str, *, limit: int, window: float, now: float) -> int:
        """A sliding window: 0 when one more fits (and it is counted), else the seconds until one does."""
        with self._lock:
            self._sweep(now)
            times, _expiry = self._times.get(key, ([], 0.0))
            times = [t for t in times if t > now - window]
            if len(times) < limit:
                times.append(now)
                self._times[key] = (times, now + window)
                return 0
            self._times[key] = (times, now + window)
            return max(1, math.ceil(times[0] + window - now))

    def join(self, key: str, member: str, *, limit: int, window: float, now: float) -> bool:
        """True when ``member`` was seen within the window or fits among the distinct members of the window."""
        with self._lock:
            self._sweep(now)
            members, _expiry = self._sets.get(key, ({}, 0.0))
            members = {m: seen for m, seen in members.items() if seen > now - window}
            if member not in members and len(members) >= limit:
                self._sets[key] = (members, now + window)
                return False
            members[member] = now
            self._sets[key] = (members, now + window)
            return True

    def lease(self, key: str, lease: str, *, limit: int, ttl: float, now: float) -> bool:
        with self._lock:
            leases = self._leases.setdefault(key, {})
            for stale in [k for k, expiry in leases.items() if expiry <= now]:
                del leases[stale]
            if len(leases) >= limit:
                return False
            leases[lease] = now + ttl
            return True

    def release(self, key: str, lease: str) -> None:
        with self._lock:
            leases = self._leases.get(key, {})
            leases.pop(lease, None)
            if not leases:
                self._leases.pop(key, None)

    def remember(self, key: str, value: str, *, ttl: float) -> None:
        with self._lock:
            self._values[key] = (value, time.time() + ttl)

    def recall(self, key: str) -> str | None:
        with self._lock:
            found = self._values.get(key)
            return found[0] if found is not None and found[1] > time.time() else None


class RedisStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def spend(self, key: str, *, limit: int, window: float, now: float) -> int:
        """A sliding window in a sorted set (member: a unique id, score: the time)."""
        name, member = PREFIX + key, uuid.uuid4().hex
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", now - window)
        pipe.zadd(name, {member: now})
        pipe.zcard(name)
        pipe.expire(name, math.ceil(window) + 1)
        _removed, _added, count, _ = pipe.execute()
        if int(count) <= limit:
            return 0
        # Over: this attempt is not counted; the wait is until the oldest counted one leaves the window.
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(name, member)
        pipe.zrange(name, 0, 0, withscores=True)
        _gone, oldest = pipe.execute()
        first = float(oldest[0][1]) if oldest else now
        return max(1, math.ceil(first + window - now))

    def join(self, key: str, member: str, *, limit: int, window: float, now: float) -> bool:
        name = PREFIX + key
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", now - window)
        pipe.zscore(name, member)
        pipe.zcard(name)
        _removed, seen, count = pipe.execute()
        if seen is None and int(count) >= limit:
            return False
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(name, {member: now})
        pipe.expire(name, math.ceil(window) + 1)
        pipe.execute()
        return True

    def lease(self, key: str, lease: str, *, limit: int, ttl: float, now: float) -> bool:
        name = PREFIX + key
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", now)
        pipe.zcard(name)
        _removed, count = pipe.execute()
        if int(count) >= limit:
            return False
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(name, {lease: now + ttl})
        pipe.expire(name, math.ceil(ttl) + 1)
        pipe.execute()
        return True

    def release(self, key: str, lease: str) -> None:
        self.client.zrem(PREFIX + key, lease)

    def remember(self, key: str, value: str, *, ttl: float) -> None:
        self.client.set(PREFIX + key, value, ex=math.ceil(ttl))

    def recall(self, key: str) -> str | None:
        value = self.client.get(PREFIX + key)
        return str(value) if value is not None else None


@dataclass(frozen=True)
class Limits:
    messages_per_sender_per_minute: int = 20
    sessions_per_address_per_hour: int = 30
    cases_per_session_per_hour: int = 3
    cases_per_address_per_hour: int = 10
    uploads_per_session_per_hour: int = 20
    uploads_per_address_per_hour: int = 40
    streams_per_session: int = 3
    streams_per_address: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            messages_per_sender_per_minute=settings.web_messages_per_sender_per_minute,
            sessions_per_address_per_hour=settings.web_sessions_per_address_per_hour,
            cases_per_session_per_hour=settings.web_cases_per_session_per_hour,
            cases_per_address_per_hour=settings.web_cases_per_address_per_hour,
            uploads_per_session_per_hour=settings.web_uploads_per_session_per_hour,
            uploads_per_address_per_hour=settings.web_uploads_per_address_per_hour,
            streams_per_session=settings.web_streams_per_session,
            streams_per_address=settings.web_streams_per_address,
        )


EMERGENCY_NUMBERS = "Nếu có việc khẩn cấp, anh/chị gọi ngay 115 (cấp cứu), 113 (công an), 114 (cứu hỏa)."


def wait_text(seconds: int) -> str:
    return f"{max(1, seconds)} giây" if seconds < 120 else f"khoảng {math.ceil(seconds / 60)} phút"


class WebBudgets:
    STREAM_TTL = 400.0  # a stream lasts at most 300 s (api/web/routes.py); a lease not released expires after this

    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self._fallback = MemoryStore()

    def _call(self, method: str, *args: object, **kwargs: object) -> object:
        try:
            return getattr(self.store, method)(*args, **kwargs)
        except redis.RedisError as exc:
            log.warning("Redis unavailable for the web budgets, using process memory: %s", exc)
            return getattr(self._fallback, method)(*args, **kwargs)

    def _spend(self, key: str, limit: int, window: float, now: float) -> int:
        """Seconds until the window ends when ``limit`` is spent already (0: spent one now)."""
        wait = self._call("spend", key, limit=limit, window=window, now=now)
        return wait if isinstance(wait, int) else 0

    def message(self, *, address: str, sender: str) -> int:
        """Seconds to wait before this sender's message is taken (0: now). Counts a new session of the address."""
        now, limits = time.time(), self.limits
        if limits.sessions_per_address_per_hour and not self._call(
            "join", f"sessions:{address}", sender, limit=limits.sessions_per_address_per_hour, window=HOUR, now=now
        ):
            return SESSION_RETRY_SECONDS  # a place frees when a session of the address is an hour quiet
        self._call("remember", f"address-of:{sender}", address, ttl=HOUR)
        if limits.messages_per_sender_per_minute:
            return self._spend(f"messages:{sender}", limits.messages_per_sender_per_minute, MINUTE, now)
        return 0

    def case(self, *, sender: str) -> None:
        """A case filed from a web chat: per session, and per the address the session last wrote from."""
        now, limits = time.time(), self.limits
        recalled = self._call("recall", f"address-of:{sender}")
        address = recalled if isinstance(recalled, str) else None
        checks = [(f"cases:session:{sender}", limits.cases_per_session_per_hour)]
        if address:
            checks.append((f"cases:address:{address}", limits.cases_per_address_per_hour))
        for key, limit in checks:
            if limit and (wait := self._spend(key, limit, HOUR, now)):
                raise RateLimited(
                    "Dạ, phiên chat này đã gửi nhiều phản ánh trong thời gian ngắn. Anh/chị vui lòng chờ "
                    f"{wait_text(wait)} rồi gửi tiếp giúp em ạ. {EMERGENCY_NUMBERS}",
                    code="case_limit",
                )

    def upload(self, *, address: str, sender: str) -> None:
        now, limits = time.time(), self.limits
        checks = [
            (f"uploads:address:{address}", limits.uploads_per_address_per_hour),
            (f"uploads:session:{sender}", limits.uploads_per_session_per_hour),
        ]
        for key, limit in checks:
            if limit and (wait := self._spend(key, limit, HOUR, now)):
                raise RateLimited(
                    f"Đã gửi quá nhiều ảnh trong một giờ. Vui lòng chờ {wait_text(wait)} rồi gửi tiếp.",
                    code="upload_limit",
                )

    def open_stream(self, *, address: str, sender: str) -> tuple[str, list[str]]:
        """A lease on one event stream; ``RateLimited`` when the session or the address holds too many."""
        now, lease, limits = time.time(), uuid.uuid4().hex, self.limits
        held: list[str] = []
        for key, limit in ((f"streams:session:{sender}", limits.streams_per_session),
                           (f"streams:address:{address}", limits.streams_per_address)):  # fmt: skip
            if not limit:
                continue
            if not self._call("lease", key, lease, limit=limit, ttl=self.STREAM_TTL, now=now):
                self.close_stream(lease, held)
                raise RateLimited(
                    "Có quá nhiều cửa sổ chat đang mở cùng lúc. Vui lòng đóng bớt rồi tải lại trang.",
                    code="stream_limit",
                )
            held.append(key)
        return lease, held

    def close_stream(self, lease: str, keys: list[str]) -> None:
        for key in keys:
            self._call("release", key, lease)


def budgets(request: Request) -> WebBudgets:
    """The app's budgets, made on first use (Redis when configured)."""
    found: WebBudgets | None = getattr(request.app.state, "web_budgets", None)
    if found is None:
        settings: Settings = request.app.state.settings
        client = client_for(settings.redis_url)
        store: Store = RedisStore(client) if client is not None else MemoryStore()
        found = WebBudgets(store, Limits.from_settings(settings))
        request.app.state.web_budgets = found
    return found
