"""In-process periodic jobs (the embedded default: no separate worker or broker needed).

Each job is an async callable taking the FastAPI app; it runs every ``interval`` seconds until shutdown.
A failing run is logged and retried at the next tick, so one bad row never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

log = logging.getLogger(__name__)

JobFn = Callable[[FastAPI], Awaitable[None]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: float
    run: JobFn


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
            try:
                await job.run(self._app)
            except asyncio.CancelledError:
                raise
            except Exception:  # a job must survive any single failure; the traceback goes to the log
                log.exception("background job %s failed; retrying in %ss", job.name, job.interval)
            await asyncio.sleep(job.interval)


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
