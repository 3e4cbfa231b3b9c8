"""Every router and background job of the gateway, registered explicitly in one place."""

from __future__ import annotations

from fastapi import FastAPI

from api.background import PeriodicJob
from api.communes.routes import router as communes_router
from api.config import Settings
from api.health.routes import router as health_router
from api.nlu.routes import router as nlu_router


def include_all(app: FastAPI) -> None:
    app.include_router(health_router)
    app.include_router(nlu_router)
    app.include_router(communes_router)


def background_jobs(settings: Settings) -> list[PeriodicJob]:
    return []
