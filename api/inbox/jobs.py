"""The two channel workers as background jobs.

Each keeps up to ``capacity`` items in flight (one per conversation, in arrival order), claims more as soon as one
finishes or a webhook route signals new work, and polls as a fallback for rows written by other processes. On shutdown
the items in flight are finished and recorded before the loop stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.background import PeriodicJob
from api.inbox import service as inbox
from api.inbox.processor import claim_events, process_event
from api.infra.signals import notify, subscription, wait_for
from api.outbox import worker as outbox
from api.outbox.worker import claim_jobs, deliver
from channels import registry

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.5
DRAIN_SECONDS = 15.0
INBOX_CAPACITY = 64
OUTBOX_CAPACITY = 64
RENEW_EVERY = 5.0  # leases of items in flight are extended this often (they last 20-30 s: a dead process's lapse)


async def pump(
    app: FastAPI,
    name: str,
    claim: Callable[[FastAPI, int], Awaitable[Sequence[Any]]],
    run: Callable[[FastAPI, Any], Coroutine[Any, Any, None]],
    capacity: int,
    renew: Callable[[Any, list[int]], None],
    poll_seconds: float = IDLE_POLL_SECONDS,
) -> None:
    inflight: dict[asyncio.Task[None], int] = {}

    def finished(task: asyncio.Task[None]) -> None:
        inflight.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: item crashed", name, exc_info=task.exception())
        notify(app, name, everywhere=False)  # capacity freed here; the conversation's next item may now be due

    async def keep_leases() -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            if inflight:
                try:
                    await run_in_threadpool(renew, app.state.sessionmaker, list(inflight.values()))
                except Exception:  # the next round tries again; a lapsed lease only means a later retry
                    log.exception("%s: leases not renewed", name)

    renewer = asyncio.create_task(keep_leases())
    with subscription(app, name) as wake:
        try:
            while True:
                free = capacity - len(inflight)
                items = await claim(app, free) if free > 0 else []
                for item in items:
                    task = asyncio.create_task(run(app, item))
                    inflight[task] = item.id
                    task.add_done_callback(finished)
                if not items or len(items) < free:
                    await wait_for(wake, poll_seconds)
        except asyncio.CancelledError:
            if inflight:
                await asyncio.wait(list(inflight), timeout=DRAIN_SECONDS)
            raise
        finally:
            renewer.cancel()


@contextlib.asynccontextmanager
async def keep_leased(factory: sessionmaker[Session], event_id: int) -> AsyncIterator[None]:
    """Renew one event's lease while the block runs (a web request answering its own message): a slow turn stays with
    its live process, and a killed process's message is taken over when the 20 s lease lapses."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await run_in_threadpool(inbox.renew_leases, factory, [event_id])
            except Exception:  # the next round tries again; a lapsed lease only means a later retry
                log.exception("inbox: lease of %s not renewed", event_id)

    renewer = asyncio.create_task(renew())
    try:
        yield
    finally:
        renewer.cancel()


async def inbox_job(app: FastAPI) -> None:
    await pump(app, "inbox", claim_events, process_event, INBOX_CAPACITY, inbox.renew_leases)


async def outbox_job(app: FastAPI) -> None:
    try:
        # Woken by every committed outbox row (api/outbox/service.py); the poll only finds what no wake-up announced.
        poll = app.state.settings.outbox_poll_seconds
        await pump(app, "outbox", claim_jobs, deliver, OUTBOX_CAPACITY, outbox.renew_leases, poll)
    finally:
        for name in registry.names():
            await registry.get(name).close()


def channel_jobs() -> list[PeriodicJob]:
    # Not exclusive: every gateway process runs both workers; row leases give each item to one of them.
    return [
        PeriodicJob("inbox-processor", 1.0, inbox_job, exclusive=False),
        PeriodicJob("outbox-sender", 1.0, outbox_job, exclusive=False),
    ]
