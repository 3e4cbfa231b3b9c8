"""The gateway application: channels in, Rasa behind, cases and broadcast for staff."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from api import routers
from api.background import JobRunner
from api.channel_accounts import crypto as secrets_crypto
from api.config import Settings, get_settings
from api.db import make_engine, make_sessionmaker
from api.deps import Nlu
from api.docs import add_docs
from api.errors import register_exception_handlers
from api.infra import logs, outbound, signals, tls
from api.infra.headers import SecurityHeaders
from api.infra.perimeter import BodySizeLimit, refuse_insecure_production
from api.infra.redis import new_async_client
from api.migrate import upgrade_database
from api.nlu.client import RasaClient


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    refuse_insecure_production(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = JobRunner(app, routers.background_jobs(settings) if settings.run_background_jobs else [])
        try:
            async with signals.relay(app):  # other processes' wake-ups (with Redis)
                runner.start()
                try:
                    yield
                finally:
                    await runner.stop()
        finally:
            await app.state.rasa.aclose()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            await app.state.http.aclose()
            await app.state.outbound.aclose()
            app.state.engine.dispose()

    app = FastAPI(
        title="Xã Số API",
        version="0.1.0",
        description="Cổng kết nối người dân – chính quyền xã: chatbot, phản ánh kiến nghị, y tế từ xa, phát thanh.",
        lifespan=lifespan,
        docs_url=None,  # served from packaged assets instead of a CDN (api/docs.py)
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs_served() else None,  # XASO_API_DOCS (issue 26)
    )
    secrets_crypto.configure(settings)  # before migrations: 0014_admin encrypts stored channel secrets
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    signals.wake_on_commit(app, app.state.sessionmaker)  # an outbox row wakes the sender once committed
    # Redis (REDIS_URL) when several gateway processes share the limits and wake-ups; None on the embedded default.
    app.state.redis = new_async_client(settings.redis_url) if settings.redis_url else None
    # Typed as the routes' view of it (RasaDep in api/deps.py), so mypy checks the client still offers it.
    rasa: Nlu = RasaClient(
        settings.rasa_url,
        settings.rasa_token.get_secret_value(),
        timeout=settings.rasa_timeout_seconds,
        max_concurrency=settings.rasa_max_concurrency,
        redis=app.state.redis,
    )
    app.state.rasa = rasa
    app.state.http = httpx.AsyncClient(timeout=10.0, verify=tls.client_context())
    # URLs someone typed (news feeds, media) are fetched only through the guard (api/infra/outbound.py).
    app.state.outbound = outbound.client_for(settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_body_bytes)
    register_exception_handlers(app)
    routers.include_all(app)
    if settings.api_docs_served():
        add_docs(app)
    app.add_middleware(SecurityHeaders)  # every response, public pages included (api/infra/headers.py)
    app.add_middleware(logs.RequestId)  # outermost: a request id for every log line (api/infra/logs.py)
    logs.install_record_factory()
    if settings.log_format == "json" or (settings.log_format == "auto" and settings.env == "production"):
        logs.configure("json")
    return app
