"""Wake-ups between webhook routes, workers and event streams.

In one process (the embedded default) ``notify`` sets the events of the subscribers of that name directly. With Redis
(several gateway processes) it also publishes the name on a pub/sub channel; every process relays what the others
publish to its own subscribers (``relay``), so a reply sent by one worker reaches a web page streaming from another
at once, and a webhook received by one process wakes the inbox workers of all. Workers still poll slowly as a
fallback, so a lost wake-up delays work but never loses it.

``notify`` may be called from a worker thread (a sync route, a job's threadpool step): it hands the wake-up to the
app's event loop, recorded by ``relay`` when the app starts. ``after_commit`` defers a wake-up until the session's
transaction commits (``wake_on_commit`` installs that on the app's sessionmaker): a worker woken before the commit
would look for the row, find nothing, and go back to sleep until its poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator

import redis.asyncio as aioredis
from fastapi import FastAPI
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "xaso:wake:"
ORIGIN = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # this process: its own messages are already delivered locally
ON_COMMIT = "xaso.wake_on_commit"  # session.info key: the names to notify once the session's transaction commits
_pending: set[asyncio.Task[None]] = set()


def _subscribers(app: FastAPI) -> dict[str, set[asyncio.Event]]:
    table: dict[str, set[asyncio.Event]] | None = getattr(app.state, "channel_subscribers", None)
    if table is None:
        table = {}
        app.state.channel_subscribers = table
    return table


@contextlib.contextmanager
def subscription(app: FastAPI, name: str) -> Iterator[asyncio.Event]:
    """An event of one's own, set by every ``notify(app, name)`` (from any process) while subscribed."""
    table = _subscribers(app)
    ev = asyncio.Event()
    table.setdefault(name, set()).add(ev)
    try:
        yield ev
    finally:
        table.get(name, set()).discard(ev)
        if not table.get(name):
            table.pop(name, None)


def _wake_local(app: FastAPI, name: str) -> None:
    for ev in _subscribers(app).get(name, ()):
        ev.set()


def notify(app: FastAPI, name: str, *, everywhere: bool = True) -> None:
    """Wake the subscribers of ``name`` here and, with Redis and unless ``everywhere`` is False, in every process."""
    loop: asyncio.AbstractEventLoop | None = getattr(app.state, "signal_loop", None)
    if loop is not None and not _running(loop):  # another thread: asyncio events are set on their own loop only
        with contextlib.suppress(RuntimeError):  # the loop has closed (shutdown): nobody is waiting any more
            loop.call_soon_threadsafe(functools.partial(notify, app, name, everywhere=everywhere))
        return
    _wake_local(app, name)
    client: aioredis.Redis | None = getattr(app.state, "redis", None)
    if client is None or not everywhere:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # called from a worker thread: the poll fallback covers the other processes
        return
    task = loop.create_task(_publish(client, name, ORIGIN))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _running(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def after_commit(session: Session, name: str) -> None:
    """Notify ``name`` once this session's transaction commits (nothing if it rolls back)."""
    session.info.setdefault(ON_COMMIT, set()).add(name)


def wake_on_commit(app: FastAPI, factory: sessionmaker[Session]) -> None:
    """Deliver the ``after_commit`` wake-ups of the sessions ``factory`` makes (the app's own)."""

    # SQLAlchemy keeps the listeners of the factory's Session class in a process-wide registry whose key is that
    # class: a listener holding the app would keep the app, its factory and so the key alive for good (one app per
    # process in production; every test's app in a test worker). The listener holds the app weakly.
    app_ref = weakref.ref(app)

    def committed(session: Session) -> None:
        names = sorted(session.info.pop(ON_COMMIT, ()))
        owner = app_ref()
        if owner is None:  # the app is gone: nobody to wake
            return
        for name in names:
            notify(owner, name)

    def rolled_back(session: Session) -> None:
        session.info.pop(ON_COMMIT, None)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_rollback", rolled_back)


async def _publish(client: aioredis.Redis, name: str, origin: str) -> None:
    try:
        await client.publish(CHANNEL_PREFIX + name, origin)
    except RedisError as exc:  # the poll fallback still finds the work
        log.warning("wake-up %s not published: %s", name, exc)


def relay_subscribed(app: FastAPI) -> asyncio.Event:
    """Set once this process's relay listens to the others' wake-ups (again after a reconnect)."""
    event: asyncio.Event | None = getattr(app.state, "wake_relay_subscribed", None)
    if event is None:
        event = asyncio.Event()
        app.state.wake_relay_subscribed = event
    return event


async def _relay_forever(app: FastAPI, client: aioredis.Redis) -> None:
    subscribed = relay_subscribed(app)
    while True:
        try:
            async with client.pubsub() as pubsub:
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                async for message in pubsub.listen():
                    if message.get("type") == "psubscribe":  # Redis confirmed: wake-ups published now arrive
                        subscribed.set()
                    if message.get("type") != "pmessage" or message.get("data") == ORIGIN:
                        continue
                    _wake_local(app, str(message["channel"]).removeprefix(CHANNEL_PREFIX))
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            subscribed.clear()
            log.warning("wake-up relay lost Redis (%s); reconnecting in 1 s", exc)
            await asyncio.sleep(1.0)


@contextlib.asynccontextmanager
async def relay(app: FastAPI) -> AsyncIterator[None]:
    """While the app runs: deliver other threads' wake-ups on this loop and, with Redis, other processes' here."""
    app.state.signal_loop = asyncio.get_running_loop()  # where other threads' wake-ups are handed (``notify``)
    client: aioredis.Redis | None = getattr(app.state, "redis", None)
    try:
        if client is None:
            yield
            return
        task = asyncio.create_task(_relay_forever(app, client), name="wake-relay")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        app.state.signal_loop = None


async def wait_for(ev: asyncio.Event, seconds: float) -> None:
    """Wait until the event is set or ``seconds`` pass; the event is consumed either way."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await ev.wait()
    ev.clear()
