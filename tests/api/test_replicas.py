"""Turns spread over Rasa replicas: the least busy healthy one first, a dead one skipped at once, and - with Redis -
the per-replica limit holds across gateway processes (two clients stand in for two processes)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from api.nlu.client import RasaClient
from api.nlu.replicas import ReplicaPool
from tests.api.test_rasa_client import SlowRasa
from tests.support.asgi_thread import serve
from tests.support.processes import free_port


@pytest.fixture
def two_replicas() -> Iterator[tuple[list[SlowRasa], str]]:
    replicas = [SlowRasa(hold=0.05), SlowRasa(hold=0.05)]
    with serve(replicas[0]) as first, serve(replicas[1]) as second:
        yield replicas, f"{first},{second}"


async def _turns(clients: list[RasaClient], count: int) -> list[list[dict[str, Any]]]:
    async def one(index: int) -> list[dict[str, Any]]:
        await asyncio.sleep(index * 0.002)
        client = clients[index % len(clients)]
        return await client.send_message(f"zalo:xa-demo:u{index:02d}", "xin chào", {"turn_id": f"inbox-{index}"})

    try:
        return await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        for client in clients:
            await client.aclose()


def test_turns_spread_over_replicas_within_each_limit(two_replicas: tuple[list[SlowRasa], str]) -> None:
    replicas, urls = two_replicas
    replies = asyncio.run(_turns([RasaClient(urls, "token", max_concurrency=2)], 16))
    assert [r[0]["recipient_id"] for r in replies] == [f"zalo:xa-demo:u{i:02d}" for i in range(16)]
    assert [r.most_inside for r in replicas] == [2, 2]
    assert len(replicas[0].arrivals) + len(replicas[1].arrivals) == 16
    assert min(len(r.arrivals) for r in replicas) >= 6  # least in flight first: both share the load


def test_a_dead_replica_is_skipped_and_the_turn_goes_to_another() -> None:
    alive = SlowRasa(hold=0.01)
    with serve(alive) as url:
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        client = RasaClient(f"{dead},{url}", "token", max_concurrency=1)
        replies = asyncio.run(_turns([client], 6))
    assert len(replies) == 6 and all(r[0]["text"] == "Dạ" for r in replies)
    assert len(alive.arrivals) == 6
    down = [r for r in client.pool.replicas if r.down_until]
    assert [r.url for r in down] == [dead]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_with_redis_the_limit_holds_across_processes(two_replicas: tuple[list[SlowRasa], str]) -> None:
    replicas, urls = two_replicas
    base = os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0]

    async def run() -> list[list[dict[str, Any]]]:
        connections = [aioredis.Redis.from_url(f"{base}/12", decode_responses=True) for _ in range(2)]
        await connections[0].flushdb()
        clients = [RasaClient(urls, "token", max_concurrency=1, redis=c) for c in connections]
        try:
            return await _turns(clients, 12)
        finally:
            for connection in connections:
                await connection.aclose()

    replies = asyncio.run(run())
    assert len(replies) == 12
    assert [r.most_inside for r in replicas] == [1, 1]  # two "processes", yet one turn per replica at a time
    assert len(replicas[0].arrivals) + len(replicas[1].arrivals) == 12


class DyingReplica:
    """A replica killed mid-turn: it takes the request, then drops the connection unanswered once ``until`` is set."""

    def __init__(self, until: threading.Event) -> None:
        self.until = until
        self.taken = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.taken += head.startswith(b"POST /webhooks/rest/webhook")  # not the health probes that follow
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.to_thread(self.until.wait, 30)
        writer.transport.abort()


@pytest.mark.slow
def test_a_turn_moved_off_a_dying_replica_queues_afresh_on_the_survivor() -> None:
    """The survivor is busy with the turns that were queued for it; the turn that moved over waits behind them past
    its first deadline (it had spent it on the replica that died) and is still answered, not told "busy"."""
    alive = SlowRasa(hold=1.8)
    dying = DyingReplica(until=alive.arrived(2))  # dies once the survivor has taken the queued turn

    async def run() -> list[list[dict[str, Any]]]:
        server = await asyncio.start_server(dying, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with serve(alive) as url:
            # Replica order breaks ties: turn 0 enters the dying replica, turn 1 the survivor, turn 2 queues.
            client = RasaClient(f"http://127.0.0.1:{port},{url}", "token", timeout=3.0, max_concurrency=1)
            try:
                return await _turns([client], 3)
            finally:
                server.close()

    replies = asyncio.run(run())
    assert dying.taken == 1
    assert [r[0]["recipient_id"] for r in replies] == [f"zalo:xa-demo:u{i:02d}" for i in range(3)]
    assert alive.arrivals == ["zalo:xa-demo:u01", "zalo:xa-demo:u02", "zalo:xa-demo:u00"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
@pytest.mark.slow
def test_the_room_a_killed_process_held_lapses_with_its_lease_and_a_live_one_keeps_it() -> None:
    base = os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0]
    url = "http://127.0.0.1:9"  # never contacted: only admission is exercised

    async def run() -> tuple[float, bool]:
        connection = aioredis.Redis.from_url(f"{base}/12", decode_responses=True)
        await connection.flushdb()
        pools = [ReplicaPool([url], limit=1, lease_seconds=0.6, redis=connection) for _ in range(2)]
        try:
            # A live process holds its slot for four leases: renewed, so the other process cannot enter.
            slot = await pools[0].acquire()
            assert slot is not None
            async with pools[0].hold(slot):
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(2.4):
                        await pools[1].acquire()
            # A process killed in a turn never releases nor renews: its room comes back after one lease.
            abandoned = await pools[0].acquire()
            assert abandoned is not None
            lapses = await connection.zscore(abandoned.replica.key, abandoned.token)  # when its lease runs out
            assert lapses is not None
            async with asyncio.timeout(3.0):
                taken = await pools[1].acquire()
            entered_at = time.time()  # the clock the pool writes leases with
            return entered_at - lapses, taken is not None and taken.replica.url == url
        finally:
            for pool in pools:
                await pool.aclose()
            await connection.aclose()

    after_lapse, entered = asyncio.run(run())
    assert entered
    assert after_lapse >= 0, after_lapse  # not before the abandoned lease ran out (within 3 s: it did run out)


def test_a_turn_moved_over_still_tries_a_survivor_marked_down_a_moment_ago() -> None:
    """One dropped connection marks a replica down for a second; a turn leaving a dead replica meanwhile tries it
    anyway instead of giving up at once with "busy"."""
    alive = SlowRasa(hold=0.01)
    with serve(alive) as url:
        dead = f"http://127.0.0.1:{free_port()}"
        client = RasaClient(f"{dead},{url}", "token", max_concurrency=1)
        client.pool.failed(client.pool.replicas[1])  # the survivor just lost a connection

        async def one() -> list[dict[str, Any]]:
            try:
                return await client.send_message("zalo:xa-demo:u1", "xin chào", {"turn_id": "inbox-1"})
            finally:
                await client.aclose()

        replies = asyncio.run(one())
    assert replies == [{"recipient_id": "zalo:xa-demo:u1", "text": "Dạ"}]
    assert alive.arrivals == ["zalo:xa-demo:u1"]
