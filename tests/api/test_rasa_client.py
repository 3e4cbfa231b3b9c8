"""The gateway's Rasa client keeps at most ``max_concurrency`` turns inside Rasa, serves the rest in arrival order,
and gives up on a turn that waited too long with the error the channels turn into "hệ thống đang bận".

A slow stand-in for Rasa's REST channel (real HTTP on loopback) holds each turn long enough to watch the queue; a real
Rasa cannot be made to hold a turn on demand.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from api.errors import UpstreamUnavailable
from api.nlu.client import RasaClient
from tests.support.asgi_thread import serve


class SlowRasa:
    """Answers ``/webhooks/rest/webhook`` after ``hold`` seconds; records arrivals and the most turns held at once."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.arrivals: list[str] = []
        self.inside = 0
        self.most_inside = 0
        self._lock = threading.Lock()
        self._arrived: dict[int, threading.Event] = {}

    def arrived(self, count: int) -> threading.Event:
        """Set once ``count`` turns have arrived."""
        with self._lock:
            event = self._arrived.setdefault(count, threading.Event())
            if len(self.arrivals) >= count:
                event.set()
            return event

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        sender = json.loads(body)["sender"]
        with self._lock:
            self.arrivals.append(sender)
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            for count, event in self._arrived.items():
                if len(self.arrivals) >= count:
                    event.set()
        await asyncio.sleep(self.hold)
        with self._lock:
            self.inside -= 1
        reply = json.dumps([{"recipient_id": sender, "text": "Dạ"}]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": reply})


@pytest.fixture
def slow_rasa() -> Iterator[tuple[SlowRasa, str]]:
    rasa = SlowRasa(hold=0.05)
    with serve(rasa) as url:
        yield rasa, url


async def _send_staggered(client: RasaClient, count: int) -> list[list[dict[str, Any]]]:
    async def one(index: int) -> list[dict[str, Any]]:
        await asyncio.sleep(index * 0.003)  # arrive in a known order
        return await client.send_message(f"web:xa-demo:u{index:02d}", "xin chào", {"commune": "xa-demo"})

    try:
        return await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        await client.aclose()


def test_no_more_than_the_limit_are_inside_rasa_at_once(slow_rasa: tuple[SlowRasa, str]) -> None:
    rasa, url = slow_rasa
    client = RasaClient(url, "token", timeout=10.0, max_concurrency=3)
    replies = asyncio.run(_send_staggered(client, 12))
    assert [r[0]["recipient_id"] for r in replies] == [f"web:xa-demo:u{i:02d}" for i in range(12)]
    assert rasa.most_inside == 3
    assert sorted(rasa.arrivals) == [f"web:xa-demo:u{i:02d}" for i in range(12)]


def test_waiting_turns_are_served_in_arrival_order(slow_rasa: tuple[SlowRasa, str]) -> None:
    rasa, url = slow_rasa
    client = RasaClient(url, "token", timeout=10.0, max_concurrency=1)  # one at a time: Rasa sees the queue's order
    asyncio.run(_send_staggered(client, 12))
    assert rasa.arrivals == [f"web:xa-demo:u{i:02d}" for i in range(12)]


def test_a_turn_that_waits_longer_than_the_timeout_is_refused(slow_rasa: tuple[SlowRasa, str]) -> None:
    """Rasa's only slot is taken (by a turn that has not ended: held through the pool, as a turn holds it), so the
    next turn waits its whole timeout, is refused with the "busy" error and never reaches Rasa; once the slot is
    free again the next turn goes through. No race between two durations: the slot is released only afterwards."""
    rasa, url = slow_rasa
    client = RasaClient(url, "token", timeout=0.5, max_concurrency=1)

    async def run() -> tuple[UpstreamUnavailable, list[dict[str, Any]]]:
        try:
            held = await client.pool.acquire()
            assert held is not None
            with pytest.raises(UpstreamUnavailable) as refused:
                await client.send_message("web:xa-demo:late", "a", {})
            await client.pool.release(held)
            return refused.value, await client.send_message("web:xa-demo:next", "a", {})
        finally:
            await client.aclose()

    refused, served = asyncio.run(run())
    assert refused.code == "rasa_unavailable" and "quá tải" in refused.message
    assert served[0]["recipient_id"] == "web:xa-demo:next"
    assert rasa.arrivals == ["web:xa-demo:next"]


def test_a_turn_while_redis_is_unreachable_is_refused_as_unavailable(slow_rasa: tuple[SlowRasa, str]) -> None:
    """Redis restarting (the cluster's admission and Rasa's lock store): the turn is "Rasa unavailable", so the gateway
    keeps the message and runs it again with the busy path's patience, not as a failure dead-lettered after four."""
    from api.infra.redis import async_client
    from tests.support.processes import free_port

    _, url = slow_rasa
    nowhere = async_client(f"redis://127.0.0.1:{free_port()}/0")  # the gateway's client; nothing listens there
    client = RasaClient(url, "token", timeout=30.0, max_concurrency=1, redis=nowhere)

    async def turn() -> None:
        try:
            await client.send_message("web:xa-demo:redis-down", "a", {})
        finally:
            await client.aclose()
            await nowhere.aclose()

    with pytest.raises(UpstreamUnavailable) as refused:
        asyncio.run(turn())
    assert refused.value.message != "Máy chủ hội thoại (Rasa) đang quá tải, vui lòng thử lại sau."  # not a timeout
