"""Draft bulletins from the sources: news feeds and the weekly digest of the commune's cases."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.bulletins.models import Bulletin, NewsFeed, Source
from api.bulletins.schemas import BulletinCreate
from api.bulletins.service import create_bulletin, zone
from api.cases.catalog import CATEGORIES, Kind, Status
from api.cases.models import Case
from api.communes.models import Commune
from api.db import transaction, utcnow
from api.infra.sanitize import http_url
from broadcast.digest import CategoryCount, DigestStats, digest_text
from broadcast.feeds import FeedError, FeedFetch, fetch_feed
from broadcast.settings import BroadcastSettings

log = logging.getLogger(__name__)
MAX_NEW_PER_FETCH = 10
_RESOLVED = (Status.resolved.value, Status.closed.value)
_NOT_COUNTED = (Status.duplicate.value,)


async def refresh_feed(
    factory: sessionmaker[Session], client: httpx.AsyncClient, *, settings: BroadcastSettings, feed_id: int
) -> list[int]:
    """Fetch one feed and add its new items as drafts; returns the ids of the drafts created. The database work runs
    in worker threads (api/bulletins/production.py says why)."""
    where = await run_in_threadpool(_feed_source, factory, feed_id)
    if where is None:
        return []
    url, etag, modified, commune_id = where
    # The lead paragraph is capped so that title and lead together stay under the readable-aloud limit.
    max_words = max(20, settings.max_words * 2 // 3)
    try:
        fetched = await fetch_feed(client, url, etag=etag, modified=modified, max_words=max_words)
    except FeedError as exc:
        await run_in_threadpool(_record_feed_error, factory, feed_id, str(exc))
        return []
    return await run_in_threadpool(_add_drafts, factory, feed_id, commune_id, fetched, settings)


def _feed_source(factory: sessionmaker[Session], feed_id: int) -> tuple[str, str | None, str | None, int] | None:
    with transaction(factory) as session:
        feed = session.get(NewsFeed, feed_id)
        return None if feed is None else (feed.url, feed.etag, feed.modified, feed.commune_id)


def _record_feed_error(factory: sessionmaker[Session], feed_id: int, message: str) -> None:
    with transaction(factory) as session:
        feed = session.get(NewsFeed, feed_id)
        if feed is not None:
            feed.last_error, feed.last_fetched_at = message, utcnow()


def _add_drafts(
    factory: sessionmaker[Session], feed_id: int, commune_id: int, fetched: FeedFetch, settings: BroadcastSettings
) -> list[int]:
    created: list[int] = []
    with transaction(factory) as session:
        feed = session.get(NewsFeed, feed_id)
        if feed is None:
            return []
        feed.last_fetched_at, feed.last_error = utcnow(), None
        if fetched.not_modified:
            return []
        feed.etag, feed.modified = fetched.etag, fetched.modified
        if fetched.title and not feed.title:
            feed.title = fetched.title[:200]
        refs = [item.source_ref for item in fetched.items]
        known = set(
            session.scalars(
                select(Bulletin.source_ref).where(Bulletin.commune_id == commune_id, Bulletin.source_ref.in_(refs))
            ).all()
        )
        for item in fetched.items:
            if item.source_ref in known or len(created) >= MAX_NEW_PER_FETCH:
                continue
            known.add(item.source_ref)
            draft = BulletinCreate(title=item.title[:200], body=item.lead, engine=settings.default_engine)
            bulletin = create_bulletin(
                session,
                commune_id=commune_id,
                data=draft,
                settings=settings,
                source=Source.feed,
                source_ref=item.source_ref,
                source_url=(http_url(item.link) or "")[:1000] or None,  # javascript:, data:… never stored
            )
            created.append(bulletin.id)
    return created


def weekly_stats(
    session: Session, *, commune_id: int, start: datetime, end: datetime, first_day: date, last_day: date
) -> DigestStats:
    """Reports received in [start, end) and reports resolved in that window, by category."""
    base = (Case.commune_id == commune_id, Case.kind == Kind.report.value)
    received_rows = session.execute(
        select(Case.category, func.count())
        .where(*base, Case.created_at >= start, Case.created_at < end, Case.status.not_in(_NOT_COUNTED))
        .group_by(Case.category)
    ).all()
    resolved_rows = session.execute(
        select(Case.category, func.count())
        .where(*base, Case.status.in_(_RESOLVED), Case.resolved_at >= start, Case.resolved_at < end)
        .group_by(Case.category)
    ).all()
    received = {category or "khac": count for category, count in received_rows}
    resolved = {category or "khac": count for category, count in resolved_rows}
    categories = [
        CategoryCount(CATEGORIES.get(code, code), received.get(code, 0), resolved.get(code, 0))
        for code in sorted(set(received) | set(resolved), key=lambda c: (-received.get(c, 0), c))
    ]
    return DigestStats(first_day, last_day, sum(received.values()), sum(resolved.values()), categories)


def create_weekly_digest(
    session: Session, *, commune_id: int, settings: BroadcastSettings, now: datetime | None = None
) -> Bulletin | None:
    """The digest of the last full week (Monday to Sunday, commune time); None when it already exists."""
    commune = session.get(Commune, commune_id)
    assert commune is not None
    local_now = (now or utcnow()).astimezone(zone(commune))
    this_monday = (local_now - timedelta(days=local_now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - timedelta(days=7)
    year, week, _ = start.isocalendar()
    ref = f"digest:{year}-W{week:02d}"
    exists = session.scalar(select(Bulletin.id).where(Bulletin.commune_id == commune_id, Bulletin.source_ref == ref))
    if exists is not None:
        return None
    stats = weekly_stats(
        session,
        commune_id=commune_id,
        start=start,
        end=this_monday,
        first_day=start.date(),
        last_day=(this_monday - timedelta(days=1)).date(),
    )
    title, body = digest_text(commune.name, stats)
    draft = BulletinCreate(title=title, body=body, engine=settings.default_engine)
    return create_bulletin(
        session, commune_id=commune_id, data=draft, settings=settings, source=Source.digest, source_ref=ref
    )
