"""Wake-ups: in one process directly; with Redis, a notify in one gateway process wakes the subscribers of another
(two apps with their own Redis connections stand in for two processes)."""

from __future__ import annotations

import asyncio
import os

import pytest
from fastapi import FastAPI

from api.infra import signals
from api.infra.redis import new_async_client


def test_in_process_wake_up_without_redis() -> None:
    async def run() -> bool:
        app = FastAPI()
        app.state.redis = None
        async with signals.relay(app):
            with signals.subscription(app, "web:web:xa-demo:a") as event:
                signals.notify(app, "web:web:xa-demo:a")
                signals.notify(app, "web:web:xa-demo:other")
                return event.is_set()

    assert asyncio.run(run())


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_a_wake_up_crosses_processes_through_redis() -> None:
    url = os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0] + "/12"

    async def run() -> tuple[bool, bool]:
        sender, receiver = FastAPI(), FastAPI()
        sender.state.redis, receiver.state.redis = new_async_client(url), new_async_client(url)
        origin = signals.ORIGIN
        try:
            async with signals.relay(receiver):
                with (
                    signals.subscription(receiver, "web:web:xa-demo:b") as wanted,
                    signals.subscription(receiver, "web:web:xa-demo:c") as other,
                ):
                    await asyncio.wait_for(signals.relay_subscribed(receiver).wait(), 5)  # it listens now
                    signals.ORIGIN = "another-process"  # one test process plays both: the sender is "elsewhere"
                    signals.notify(sender, "web:web:xa-demo:b")
                    signals.ORIGIN = origin
                    await asyncio.wait_for(wanted.wait(), 5)
                    return wanted.is_set(), other.is_set()
        finally:
            signals.ORIGIN = origin
            await sender.state.redis.aclose()
            await receiver.state.redis.aclose()

    assert asyncio.run(run()) == (True, False)
