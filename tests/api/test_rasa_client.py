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
    rasa, url = slow_rasa
    # Each turn (0.6 s) fits the 0.9 s timeout with room to spare on a loaded machine; the third would wait 1.2 s for
    # its slot and is refused at 0.9 s, while the second still holds it.
    rasa.hold = 0.6
    client = RasaClient(url, "token", timeout=0.9, max_concurrency=1)

    async def three_turns() -> list[Any]:
        async def turn(name: str, delay: float) -> Any:
            await asyncio.sleep(delay)
            return await client.send_message(f"web:xa-demo:{name}", "a", {})

        try:
            return await asyncio.gather(
                turn("first", 0), turn("second", 0.02), turn("third", 0.04), return_exceptions=True
            )
        finally:
            await client.aclose()

    first, second, third = asyncio.run(three_turns())
    assert first[0]["recipient_id"] == "web:xa-demo:first"
    assert second[0]["recipient_id"] == "web:xa-demo:second"
    assert isinstance(third, UpstreamUnavailable)
    assert third.code == "rasa_unavailable" and "quá tải" in third.message
    assert rasa.arrivals == ["web:xa-demo:first", "web:xa-demo:second"]


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
