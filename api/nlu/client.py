"""Thin async client for the Rasa servers' HTTP API (created once per app, keeps its connections alive).

Rasa serves every request on one event loop, and a saturated Rasa server (Sanic) keeps serving its busy keep-alive
connections while a request on a freshly opened connection waits: with 50 conversations at once some turns waited
seconds while others went round again and again. So the gateway keeps at most ``max_concurrency`` turns inside each
Rasa replica and queues the rest, first come first served; the few connections it needs stay open and warm.

Several replicas (``XASO_RASA_URL`` lists them, comma-separated) share the turns: the least busy healthy one takes the
next turn (api/nlu/replicas.py). A replica that cannot be reached is skipped and the turn goes to another one at once;
the turn carries the inbox id (``metadata.turn_id``) so a replica that already answered it answers the same again
instead of running it twice (bot/cluster.py).
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from api.errors import UpstreamUnavailable
from api.infra import metrics
from api.infra.tls import client_context
from api.nlu.replicas import ReplicaPool, Slot

FAILOVER_EXTRA_SECONDS = 25.0  # more than the Rasa lock lifetime the cluster sets (cli/cluster.py, 20 s)


@dataclass(frozen=True)
class RasaTurn:
    replies: list[dict[str, Any]]
    parse: dict[str, Any] | None = None  # intent, intent_ranking, entities, text: as the tracker's latest_message

    @classmethod
    def from_body(cls, body: Any) -> RasaTurn:
        if isinstance(body, list):
            return cls(body)
        parse = body.get("parse")
        return cls(list(body.get("messages") or []), parse if isinstance(parse, dict) and parse.get("intent") else None)


class ReplicaDown(UpstreamUnavailable):
    """This replica could not be reached (and is now marked down): the turn may go to another one. Decided from the
    failure itself, not from the replica's shared state, which a concurrent success may have reset meanwhile."""


def replica_urls(setting: str) -> list[str]:
    """``XASO_RASA_URL``: one URL, or several separated by commas (one per Rasa replica)."""
    urls = [part.strip().rstrip("/") for part in setting.split(",") if part.strip()]
    if not urls:
        raise ValueError("XASO_RASA_URL names no Rasa server")
    return urls


class RasaClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        max_concurrency: int = 6,
        redis: aioredis.Redis | None = None,
    ) -> None:
        self._token = token
        self._timeout = timeout
        limits = httpx.Limits(max_keepalive_connections=max_concurrency + 4, max_connections=max_concurrency + 8)
        make_http = functools.partial(
            httpx.AsyncClient, timeout=httpx.Timeout(timeout, connect=2.0), limits=limits, verify=client_context()
        )
        self.pool = ReplicaPool(
            replica_urls(base_url),
            make_http=make_http,  # type: ignore[arg-type]
            limit=max_concurrency,
            redis=redis,
            probe_token=token,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()

    async def _acquire(self, deadline: float, tried: set[str]) -> Slot | None:
        try:
            async with asyncio.timeout_at(deadline):
                return await self.pool.acquire(tried)
        except TimeoutError:
            raise UpstreamUnavailable(
                "Máy chủ hội thoại (Rasa) đang quá tải, vui lòng thử lại sau.", code="rasa_unavailable"
            ) from None
        except RedisError as exc:  # Redis restarting: Rasa's lock store needs it too; kept and run again later
            raise UpstreamUnavailable(
                "Máy chủ hội thoại (Rasa) tạm thời không nhận lượt, vui lòng thử lại sau.", code="rasa_unavailable"
            ) from exc

    async def _queued_request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A turn or parse: waits its turn (FIFO) for a slot on a replica, at most ``timeout``; a replica that
        cannot be reached is marked down and the request goes to the next one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        tried: set[str] = set()
        error: UpstreamUnavailable | None = None
        while True:
            slot = await self._acquire(deadline, tried)
            if slot is None:  # every replica tried
                assert error is not None
                raise error
            # A turn moved over from a replica that died may first wait for that replica's lock on the conversation
            # to lapse (TICKET_LOCK_LIFETIME, 20 s in the cluster): it gets that much longer.
            timeout = httpx.Timeout(self._timeout + (FAILOVER_EXTRA_SECONDS if tried else 0.0), connect=2.0)
            try:
                async with self.pool.hold(slot):
                    response = await self._request(slot, method, path, timeout=timeout, **kwargs)
            except ReplicaDown as exc:  # (a replica that answered with an error is no reason to try another)
                error = exc
                if not tried:  # the survivors now carry the dead replica's turns too: the move-over queues afresh
                    deadline = loop.time() + self._timeout
                tried.add(slot.replica.url)
                continue
            self.pool.succeeded(slot.replica)
            return response

    async def _request(self, slot: Slot, method: str, path: str, **kwargs: Any) -> httpx.Response:
        params = {**kwargs.pop("params", {}), "token": self._token}
        try:
            response = await slot.replica.http.request(method, path, params=params, **kwargs)
        except httpx.HTTPError as exc:
            self.pool.failed(slot.replica)
            raise ReplicaDown(
                "Máy chủ hội thoại (Rasa) không phản hồi, vui lòng thử lại sau.", code="rasa_unavailable"
            ) from exc
        if response.status_code in (502, 503, 504):
            self.pool.failed(slot.replica)
            raise ReplicaDown(f"Máy chủ hội thoại (Rasa) trả lỗi {response.status_code}.", code="rasa_unavailable")
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise UpstreamUnavailable(
                f"Máy chủ hội thoại (Rasa) trả lỗi {response.status_code}.", code="rasa_unavailable"
            )
        return response

    async def _timed(self, endpoint: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A queued request, its time observed for /metrics (xaso_rasa_request_seconds)."""
        started, outcome = time.perf_counter(), "error"
        try:
            response = await self._queued_request(method, path, **kwargs)
            outcome = "ok" if response.is_success else "error"
            return response
        finally:
            metrics.RASA_SECONDS.labels(endpoint, outcome).observe(time.perf_counter() - started)

    async def parse(self, text: str) -> dict[str, Any]:
        response = await self._timed("parse", "POST", "/model/parse", json={"text": text})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def send_message(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Run one turn through Rasa's REST channel and return the bot's replies."""
        return (await self.send_turn(sender, message, metadata)).replies

    async def send_turn(self, sender: str, message: str, metadata: dict[str, Any]) -> RasaTurn:
        """Run one turn and return the bot's replies with how Rasa read the message (bot/reading.py adds it to the
        reply when asked, ``?parse=true``); a Rasa without it answers the bare list: no reading then."""
        response = await self._timed(
            "message",
            "POST",
            "/webhooks/rest/webhook",
            params={"parse": "true"},
            json={"sender": sender, "message": message, "metadata": metadata},
        )
        response.raise_for_status()
        return RasaTurn.from_body(response.json())

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to a conversation's tracker without running the bot (the gateway answered the turn itself)."""
        response = await self._queued_request(
            "POST", f"/conversations/{quote(sender, safe=':')}/tracker/events", json=events
        )
        response.raise_for_status()

    async def is_up(self) -> bool:
        """Whether at least one replica answers its status."""
        for replica in self.pool.replicas:
            try:
                response = await replica.http.get("/status", params={"token": self._token}, timeout=2.0)
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return True
        return False
