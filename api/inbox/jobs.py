"""The two channel workers as background jobs.

Each keeps up to ``capacity`` items in flight (one per conversation, in arrival order), claims more as soon as one
finishes or a webhook route signals new work, and polls as a fallback for rows written by other processes. On shutdown
the items in flight are finished and recorded before the loop stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from fastapi import FastAPI

from api.background import PeriodicJob
from api.inbox.processor import claim_events, process_event
from api.outbox.signals import notify, subscription, wait_for
from api.outbox.worker import claim_jobs, deliver
from channels.telegram.connector import close_bots

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.5
DRAIN_SECONDS = 15.0
INBOX_CAPACITY = 64
OUTBOX_CAPACITY = 64


async def pump(
    app: FastAPI,
    name: str,
    claim: Callable[[FastAPI, int], Awaitable[Sequence[Any]]],
    run: Callable[[FastAPI, Any], Coroutine[Any, Any, None]],
    capacity: int,
) -> None:
    inflight: set[asyncio.Task[None]] = set()

    def finished(task: asyncio.Task[None]) -> None:
        inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: item crashed", name, exc_info=task.exception())
        notify(app, name)  # capacity freed, and the conversation's next item may now be due

    with subscription(app, name) as wake:
        try:
            while True:
                free = capacity - len(inflight)
                items = await claim(app, free) if free > 0 else []
                for item in items:
                    task = asyncio.create_task(run(app, item))
                    inflight.add(task)
                    task.add_done_callback(finished)
                if not items or len(items) < free:
                    await wait_for(wake, IDLE_POLL_SECONDS)
        except asyncio.CancelledError:
            if inflight:
                await asyncio.wait(inflight, timeout=DRAIN_SECONDS)
            raise


async def inbox_job(app: FastAPI) -> None:
    await pump(app, "inbox", claim_events, process_event, INBOX_CAPACITY)


async def outbox_job(app: FastAPI) -> None:
    try:
        await pump(app, "outbox", claim_jobs, deliver, OUTBOX_CAPACITY)
    finally:
        await close_bots()


def channel_jobs() -> list[PeriodicJob]:
    return [PeriodicJob("inbox-processor", 1.0, inbox_job), PeriodicJob("outbox-sender", 1.0, outbox_job)]
