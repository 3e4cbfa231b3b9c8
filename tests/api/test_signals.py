"""Wake-ups: in one process directly; with Redis, a notify in one gateway process wakes the subscribers of another
(two apps with their own Redis connections stand in for two processes)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from api.db import make_engine, make_sessionmaker
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


def test_a_wake_up_after_commit_waits_for_the_commit_and_crosses_threads(tmp_path: Path) -> None:
    factory = make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 'wake.db'}"))

    def write(*, commit: bool) -> None:  # a sync route's unit of work, in a worker thread
        with factory() as session:
            session.execute(text("SELECT 1"))
            signals.after_commit(session, "outbox")
            seen.append(woken.is_set())  # flushed, not committed: nobody is woken yet
            session.commit() if commit else session.rollback()

    async def run() -> list[bool]:
        app = FastAPI()
        app.state.redis = None
        signals.wake_on_commit(app, factory)
        async with signals.relay(app):
            with signals.subscription(app, "outbox") as event:
                nonlocal woken
                woken = event
                await asyncio.to_thread(write, commit=False)
                await asyncio.sleep(0.05)
                seen.append(event.is_set())  # rolled back: no wake-up
                await asyncio.to_thread(write, commit=True)
                await asyncio.wait_for(event.wait(), 1)  # committed in another thread: woken on this loop
                seen.append(event.is_set())
        return seen

    seen: list[bool] = []
    woken = asyncio.Event()
    assert asyncio.run(run()) == [False, False, False, True]
