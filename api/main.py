"""The gateway application: channels in, Rasa behind, cases and broadcast for staff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from api import routers
from api.background import JobRunner
from api.config import Settings, get_settings
from api.db import make_engine, make_sessionmaker
from api.errors import register_exception_handlers
from api.migrate import upgrade_database
from api.nlu.client import RasaClient


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = JobRunner(app, routers.background_jobs(settings) if settings.run_background_jobs else [])
        runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await app.state.rasa.aclose()
            await app.state.http.aclose()
            app.state.engine.dispose()

    app = FastAPI(
        title="Xã Số API",
        version="0.1.0",
        description="Cổng kết nối người dân – chính quyền xã: chatbot, phản ánh kiến nghị, y tế từ xa, phát thanh.",
        lifespan=lifespan,
    )
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.rasa = RasaClient(
        settings.rasa_url,
        settings.rasa_token.get_secret_value(),
        timeout=settings.rasa_timeout_seconds,
        max_concurrency=settings.rasa_max_concurrency,
    )
    app.state.http = httpx.AsyncClient(timeout=10.0)
    register_exception_handlers(app)
    routers.include_all(app)
    return app
