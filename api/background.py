"""In-process periodic jobs (the embedded default: no separate worker or broker needed).

Each job is an async callable taking the FastAPI app; it runs every ``interval`` seconds until shutdown.
A failing run is logged and retried at the next tick, so one bad row never stops the loop.

Every gateway process runs the same jobs. A job is ``exclusive`` by default: each tick is claimed in the database
(api/infra/ticks.py), so it runs once per tick however many processes there are. The channel workers (inbox, outbox)
are not: they run in every process and share the work row by row through leases (api/infra/leasing.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.db import utcnow
from api.infra.ticks import claim_tick, finish_tick

log = logging.getLogger(__name__)

JobFn = Callable[[FastAPI], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: float
    run: JobFn
    exclusive: bool = True  # once per tick across all processes; False: every process runs it (row leases share)
    lease: float = 600.0  # longest run; a process killed mid-run delays the next tick by at most this


class JobRunner:
    def __init__(self, app: FastAPI, jobs: list[PeriodicJob]) -> None:
        self._app = app
        self._jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self._jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            pause = job.interval
            try:
                pause = await self._tick(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # a job must survive any single failure; the traceback goes to the log
                log.exception("background job %s failed; retrying in %ss", job.name, job.interval)
            await asyncio.sleep(pause)

    async def _tick(self, job: PeriodicJob) -> float:
        """Run one tick if this process owns it; returns the seconds until the next one is due."""
        if not job.exclusive:
            await job.run(self._app)
            return job.interval
        factory = self._app.state.sessionmaker
        owned, due = await run_in_threadpool(claim_tick, factory, job.name, interval=job.interval, lease=job.lease)
        if owned:
            started = time.monotonic()
            try:
                await job.run(self._app)
            finally:
                await run_in_threadpool(finish_tick, factory, job.name)
            return max(0.0, job.interval - (time.monotonic() - started))
        wait = (due - utcnow()).total_seconds()
        return min(job.interval, max(0.05, wait + 0.05))


async def run_batch(work: dict[str, Coroutine[Any, Any, None]], *, what: str, drain_seconds: float) -> None:
    """Run one batch of jobs concurrently and log any that crashed.

    On shutdown (cancellation) the jobs in flight get ``drain_seconds`` to finish and be recorded, so none is left
    half-known (a message sent but not marked sent would be sent again after a restart).
    """
    tasks = [asyncio.create_task(coroutine, name=name) for name, coroutine in work.items()]
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        await asyncio.wait(tasks, timeout=drain_seconds)
        raise
    for task in tasks:
        if task.exception() is not None:
            log.error("%s crashed", what, exc_info=task.exception())
