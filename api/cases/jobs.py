"""Background job: flag overdue cases once a minute (in-process by default)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from api.background import PeriodicJob
from api.cases.commands import flag_overdue
from api.db import transaction


def _flag(app: FastAPI) -> int:
    with transaction(app.state.sessionmaker) as session:
        return flag_overdue(session)


async def run_overdue(app: FastAPI) -> None:
    await asyncio.to_thread(_flag, app)


def overdue_job(interval: float = 60.0) -> PeriodicJob:
    return PeriodicJob(name="cases-overdue", interval=interval, run=run_overdue)
