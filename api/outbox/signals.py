"""In-process wake-ups between webhook routes, workers and event streams (a short poll covers other processes)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from fastapi import FastAPI


def _subscribers(app: FastAPI) -> dict[str, set[asyncio.Event]]:
    table: dict[str, set[asyncio.Event]] | None = getattr(app.state, "channel_subscribers", None)
    if table is None:
        table = {}
        app.state.channel_subscribers = table
    return table


@contextlib.contextmanager
def subscription(app: FastAPI, name: str) -> Iterator[asyncio.Event]:
    """An event of one's own, set by every ``notify(app, name)`` while subscribed."""
    table = _subscribers(app)
    ev = asyncio.Event()
    table.setdefault(name, set()).add(ev)
    try:
        yield ev
    finally:
        table.get(name, set()).discard(ev)
        if not table.get(name):
            table.pop(name, None)


def notify(app: FastAPI, name: str) -> None:
    for ev in _subscribers(app).get(name, ()):
        ev.set()


async def wait_for(ev: asyncio.Event, seconds: float) -> None:
    """Wait until the event is set or ``seconds`` pass; the event is consumed either way."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await ev.wait()
    ev.clear()
