"""Login rate limit: a sliding window of failed attempts per login and per client address (in process memory).

Several gateway processes each keep their own window, so the effective limit is multiplied by the number of
processes — still enough to make online password guessing impractical.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque


class LoginRateLimiter:
    def __init__(self, *, max_failures: int = 5, window_seconds: float = 900.0) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        attempts = self._failures.setdefault(key, deque())
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        return attempts

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for every key (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                attempts = self._recent(key, now)
                if len(attempts) >= self.max_failures:
                    wait = max(wait, attempts[0] + self.window - now)
        return math.ceil(wait)

    def record_failure(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # bound memory against a spray of random logins
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]

    def reset(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
