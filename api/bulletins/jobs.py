"""Background jobs: fetch news feeds, make missing audio, and draft the weekly digest (in-process by default)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.background import PeriodicJob
from api.bulletins import announcements
from api.bulletins.models import Bulletin, NewsFeed, Status
from api.bulletins.production import synthesize_bulletin
from api.bulletins.service import audio_is_current, zone
from api.bulletins.sources import create_weekly_digest, refresh_feed
from api.communes.models import Commune
from api.db import transaction, utcnow
from api.errors import DomainError
from api.infra.signals import subscription, wait_for
from broadcast.settings import BroadcastSettings, get_broadcast_settings

log = logging.getLogger(__name__)
SYNTHESES_PER_TICK = 3
ANNOUNCEMENT_POLL_SECONDS = 1.0  # other processes' announcements are seen within this
DIGEST_HOUR = 6  # Monday morning, commune time: the digest draft waits for staff when they arrive


def _settings(app: FastAPI) -> BroadcastSettings:
    settings: BroadcastSettings | None = getattr(app.state, "broadcast_settings", None)
    return settings or get_broadcast_settings()


def _due_feeds(factory: sessionmaker[Session], due_before: datetime) -> list[int]:
    with transaction(factory) as session:
        return list(
            session.scalars(
                select(NewsFeed.id).where(
                    NewsFeed.active.is_(True),
                    or_(NewsFeed.last_fetched_at.is_(None), NewsFeed.last_fetched_at <= due_before),
                )
            ).all()
        )


async def run_feeds(app: FastAPI) -> None:
    """Fetch every due feed. Like every job here, its database work runs in worker threads, never on the loop."""
    settings = _settings(app)
    due_before = utcnow() - timedelta(seconds=settings.feed_interval_seconds)
    for feed_id in await run_in_threadpool(_due_feeds, app.state.sessionmaker, due_before):
        created = await refresh_feed(app.state.sessionmaker, app.state.outbound, settings=settings, feed_id=feed_id)
        if created:
            log.info("feed %s: %d new draft bulletins", feed_id, len(created))


def _without_audio(factory: sessionmaker[Session]) -> list[int]:
    with transaction(factory) as session:
        candidates = session.scalars(
            select(Bulletin)
            .where(Bulletin.status == Status.draft.value, Bulletin.audio_error.is_(None))
            .order_by(Bulletin.created_at)
            .limit(50)
        ).all()
        return [b.id for b in candidates if not audio_is_current(b)][:SYNTHESES_PER_TICK]


async def run_synthesis(app: FastAPI) -> None:
    """Make audio for drafts that have none (feed items, digests) so staff can listen before approving."""
    for bulletin_id in await run_in_threadpool(_without_audio, app.state.sessionmaker):
        try:
            await synthesize_bulletin(
                app.state.sessionmaker,
                data_dir=app.state.settings.data_dir,
                settings=_settings(app),
                bulletin_id=bulletin_id,
            )
        except DomainError as exc:  # recorded on the bulletin as audio_error; the next one still gets its turn
            log.warning("bulletin %s: no audio: %s", bulletin_id, exc.message)


async def run_digest(app: FastAPI, now: datetime | None = None) -> None:
    """On Monday morning (commune time), draft last week's digest for every commune that has none yet."""
    await run_in_threadpool(_draft_digests, app.state.sessionmaker, _settings(app), now or utcnow())


def _draft_digests(factory: sessionmaker[Session], settings: BroadcastSettings, now: datetime) -> None:
    with transaction(factory) as session:
        for commune in session.scalars(select(Commune)).all():
            local = now.astimezone(zone(commune))
            if local.weekday() == 0 and local.hour >= DIGEST_HOUR:
                create_weekly_digest(session, commune_id=commune.id, settings=settings, now=now)


async def queue_announcements(app: FastAPI) -> int:
    """Queue every announcement still being queued, emergencies first; returns the messages queued."""
    factory = app.state.sessionmaker
    total = 0
    for announcement_id in await run_in_threadpool(announcements.queuing_ids, factory):
        while True:
            chunk = await run_in_threadpool(
                announcements.queue_chunk,
                factory,
                announcement_id=announcement_id,
                public_base_url=app.state.settings.public_base_url,
            )
            total += chunk.queued  # each chunk's commit woke the outbox (api/outbox/service.py)
            if chunk.done:
                break
    return total


async def run_announcements(app: FastAPI) -> None:
    """Runs in every process (chunks are locked per announcement); woken at once when staff announce."""
    with subscription(app, "announcements") as wake:
        while True:
            await queue_announcements(app)
            await wait_for(wake, ANNOUNCEMENT_POLL_SECONDS)


def broadcast_jobs() -> list[PeriodicJob]:
    settings = get_broadcast_settings()
    return [
        PeriodicJob(name="broadcast-feeds", interval=min(300.0, settings.feed_interval_seconds), run=run_feeds),
        PeriodicJob(name="broadcast-synthesis", interval=settings.synthesis_interval_seconds, run=run_synthesis),
        PeriodicJob(name="broadcast-digest", interval=3600.0, run=run_digest),
        PeriodicJob(name="announcements", interval=1.0, run=run_announcements, exclusive=False),
    ]
