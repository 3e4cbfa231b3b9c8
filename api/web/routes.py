"""The web chat's push path (Server-Sent Events), its demo page at ``/`` and the widget's static files."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.auth.guards import client_address
from api.auth.inputs import reject_nul
from api.communes.service import get_commune
from api.deps import SettingsDep
from api.errors import NotFound
from api.infra.budgets import budgets
from api.infra.signals import subscription, wait_for
from api.outbox.models import SENT, OutboxMessage
from channels.ids import format_id

HERE = Path(__file__).resolve().parent
router = APIRouter(tags=["web chat"], dependencies=[Depends(reject_nul)])  # NUL: a 422, not a PostgreSQL 500
templates = Jinja2Templates(directory=HERE / "templates")

POLL_SECONDS = 2.0  # fallback for messages sent by another gateway process
HEARTBEAT_SECONDS = 15.0
STREAM_BATCH = 50
# Streams end now and then (proxies drop idle long requests anyway); the browser reconnects with Last-Event-ID.
STREAM_MAX_SECONDS = 300.0


def _commune_name(factory: sessionmaker[Session], slug: str) -> str:
    with factory() as session:
        return get_commune(session, slug=slug).name


MAX_EVENT_ID = 2**31 - 1  # outbox ids are 32-bit integers on PostgreSQL: a larger resume id is out of range


def _sent_after(factory: sessionmaker[Session], conversation_id: str, after: int) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.conversation_id == conversation_id,
                OutboxMessage.status == SENT,
                OutboxMessage.id > after,
            )
            .order_by(OutboxMessage.id)
            .limit(STREAM_BATCH)
        ).all()
        return [
            {"id": row.id, "text": row.text, "buttons": row.buttons or [], "image": row.image_url, "kind": row.kind}
            for row in rows
        ]


def _event(message: dict[str, Any]) -> str:
    return f"id: {message['id']}\nevent: message\ndata: {json.dumps(message, ensure_ascii=False)}\n\n"


@router.get(
    "/webhooks/web/events",
    summary="Luồng tin nhắn gửi sau (SSE) cho một phiên chat web",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def web_events(
    request: Request,
    settings: SettingsDep,
    sender: Annotated[str, Query(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    commune: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    slug = commune or settings.default_commune
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    try:
        await run_in_threadpool(_commune_name, factory, slug)
    except NotFound as exc:
        raise NotFound(exc.message, code=exc.code, field="commune") from None
    conversation_id = format_id("web", slug, sender)
    # EventSource resends the last id it saw when it reconnects: resume after it.
    start = min(int(last_event_id), MAX_EVENT_ID) if last_event_id and last_event_id.isdigit() else after
    app: FastAPI = request.app
    # Streams held at once per session and per address (api/infra/budgets.py): a 429 in Vietnamese beyond them.
    limiter = budgets(request)
    lease, held = await run_in_threadpool(partial(limiter.open_stream, address=client_address(request), sender=sender))

    async def stream() -> AsyncIterator[str]:
        last = start
        idle = 0.0
        ends = time.monotonic() + STREAM_MAX_SECONDS
        try:
            with subscription(app, f"web:{conversation_id}") as wake:
                yield "retry: 1000\n: connected\n\n"
                while time.monotonic() < ends and not await request.is_disconnected():
                    messages = await run_in_threadpool(_sent_after, factory, conversation_id, last)
                    for message in messages:
                        last = message["id"]
                        yield _event(message)
                    if len(messages) == STREAM_BATCH:
                        continue
                    await wait_for(wake, POLL_SECONDS)
                    idle += POLL_SECONDS
                    if idle >= HEARTBEAT_SECONDS:
                        idle = 0.0
                        yield ": ping\n\n"
        finally:  # no await here: a cancelled stream (the browser left) would cancel it too
            limiter.close_stream(lease, held)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    name = await run_in_threadpool(_commune_name, factory, settings.default_commune)
    return templates.TemplateResponse(
        request, "demo.html", {"commune_name": name, "commune_slug": settings.default_commune}
    )


def mount_static(app: FastAPI) -> None:
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
