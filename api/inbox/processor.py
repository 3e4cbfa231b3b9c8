"""The inbox worker: takes stored events in order (one at a time per conversation) and routes them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.background import run_batch
from api.channel_accounts.service import credentials_for
from api.communes.models import Commune
from api.inbox import service as inbox
from api.inbox.failures import record_failure
from api.inbox.profiles import with_profile
from api.inbox.turns import Context, handle
from api.inbox_events.models import InboxEvent
from api.infra.writes import write_transaction
from channels import registry
from channels.base import Credentials

log = logging.getLogger(__name__)

BATCH = 16
DRAIN_SECONDS = 15.0


@dataclass(frozen=True)
class Event:
    id: int
    channel: str
    commune_id: int
    commune_slug: str
    raw: str
    request_id: str | None = None  # of the webhook request that stored it (api/infra/logs.py)


def _load(factory: sessionmaker[Session], ids: list[int]) -> list[Event]:
    with factory() as session:
        rows = session.execute(
            select(
                InboxEvent.id,
                InboxEvent.channel,
                InboxEvent.commune_id,
                Commune.slug,
                InboxEvent.raw,
                InboxEvent.request_id,
            )
            .join(Commune, Commune.id == InboxEvent.commune_id)
            .where(InboxEvent.id.in_(ids))
            .order_by(InboxEvent.id)
        ).all()
    return [Event(r.id, r.channel, r.commune_id, r.slug, r.raw, r.request_id) for r in rows]


def _credentials(factory: sessionmaker[Session], event: Event) -> Credentials | None:
    with factory() as session:
        return credentials_for(
            session, commune_id=event.commune_id, commune_slug=event.commune_slug, channel=event.channel
        )


def _ignore(factory: sessionmaker[Session], event_id: int) -> None:
    with write_transaction(factory) as session:
        inbox.mark_done(session, inbox.load(session, event_id), route="none", ignored=True)


async def process_event(app: FastAPI, event: Event) -> None:
    """Handle one event; any failure is recorded (retry with backoff, then a dead letter), never left to the lease."""
    with structlog.contextvars.bound_contextvars(request_id=event.request_id or f"inbox-{event.id}"):
        await _process_logged(app, event)


async def _process_logged(app: FastAPI, event: Event) -> None:
    try:
        await _process(app, event)
    except Exception as exc:
        log.exception("inbox %s (%s) failed", event.id, event.channel)
        error = f"{type(exc).__name__}: {exc}"
        settings = app.state.settings
        # A dead letter's notice to the citizen wakes the outbox when it commits (api/outbox/service.py).
        await run_in_threadpool(
            record_failure, app.state.sessionmaker, event.id, error=error, max_failures=settings.inbox_max_failures
        )


async def _process(app: FastAPI, event: Event) -> None:
    channel = registry.get(event.channel)
    messages = channel.parse(json.loads(event.raw), commune=event.commune_slug)
    if not messages:
        await run_in_threadpool(_ignore, app.state.sessionmaker, event.id)
        return
    ctx = Context(event.id, event.commune_id, event.commune_slug, event.channel, inline=False)
    await channel.acknowledge(messages[0], lambda: run_in_threadpool(_credentials, app.state.sessionmaker, event))
    messages[0] = await with_profile(
        app, channel, messages[0], lambda: run_in_threadpool(_credentials, app.state.sessionmaker, event)
    )
    await handle(app, ctx, messages[0])  # who answers (a "Xem thêm" tap included); its queue wakes the outbox


async def claim_events(app: FastAPI, limit: int) -> list[Event]:
    factory: sessionmaker[Session] = app.state.sessionmaker
    ids = await run_in_threadpool(inbox.claim_due, factory, limit=limit)
    return await run_in_threadpool(_load, factory, ids) if ids else []


async def process_due(app: FastAPI, *, limit: int = BATCH) -> int:
    """Process one batch of due events; returns how many were claimed."""
    events = await claim_events(app, limit)
    if not events:
        return 0
    work = {f"inbox-{event.id}": process_event(app, event) for event in events}
    await run_batch(work, what="inbox processing", drain_seconds=DRAIN_SECONDS)
    return len(events)
