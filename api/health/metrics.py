"""``GET /metrics`` (Prometheus text format) and the figures behind the console's system-health panel.

Queues, dead letters, cases and bulletins are read from the database at scrape time (one snapshot, the same from any
gateway process); counters and latencies come from the processes themselves (api/infra/metrics.py), added up across
workers when ``PROMETHEUS_MULTIPROC_DIR`` is set. The route answers only a caller presenting
``XASO_METRICS_TOKEN`` as a bearer token (404 while it is unset); the proxy does not pass /metrics at all
(deploy/caddy/Caddyfile). Alert rules on these names: deploy/prometheus/alerts.yml.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.bulletins.models import Bulletin
from api.cases.catalog import OPEN_STATUSES
from api.cases.models import Case
from api.communes.models import Commune
from api.db import utcnow
from api.deps import RasaDep, SessionFactoryDep, SettingsDep
from api.errors import NotFound
from api.inbox_events.models import FAILED as INBOX_FAILED
from api.inbox_events.models import PENDING as INBOX_PENDING
from api.inbox_events.models import PROCESSING, InboxEvent
from api.outbox.models import FAILED as OUTBOX_FAILED
from api.outbox.models import PENDING as OUTBOX_PENDING
from api.outbox.models import SENDING, OutboxMessage
from api.staff.models import Department

router = APIRouter(tags=["health"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Snapshot:
    """What the database says about the system's health at one moment."""

    outbox_depth: dict[str, int] = field(default_factory=dict)  # channel -> waiting messages
    outbox_oldest_seconds: dict[str, float] = field(default_factory=dict)
    inbox_depth: int = 0
    inbox_oldest_seconds: float = 0.0
    dead_letters: dict[str, int] = field(default_factory=dict)  # inbox | outbox -> not yet dismissed
    cases_open: dict[tuple[str, str], int] = field(default_factory=dict)  # (commune, department) -> n
    cases_overdue: dict[tuple[str, str], int] = field(default_factory=dict)
    bulletins: dict[str, int] = field(default_factory=dict)  # status -> n
    audio_waiting: int = 0
    audio_failed: int = 0


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives naive UTC back
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - oldest).total_seconds())


def take_snapshot(session: Session, *, now: datetime | None = None) -> Snapshot:
    now = now or utcnow()
    snap = Snapshot()
    waiting = select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status.in_([OUTBOX_PENDING, SENDING])
    )
    for channel, count, oldest in session.execute(waiting.group_by(OutboxMessage.channel)):
        snap.outbox_depth[channel] = count
        snap.outbox_oldest_seconds[channel] = _age(now, oldest)
    count, oldest = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.status.in_([INBOX_PENDING, PROCESSING]))
    ).one()
    snap.inbox_depth, snap.inbox_oldest_seconds = count, _age(now, oldest)
    snap.dead_letters["inbox"] = (
        session.scalar(select(func.count()).where(InboxEvent.status == INBOX_FAILED, InboxEvent.dismissed_at.is_(None)))
        or 0
    )
    snap.dead_letters["outbox"] = (
        session.scalar(
            select(func.count()).where(OutboxMessage.status == OUTBOX_FAILED, OutboxMessage.dismissed_at.is_(None))
        )
        or 0
    )
    open_values = [s.value for s in OPEN_STATUSES]
    overdue = (Case.due_at.is_not(None) & (Case.due_at < now)).label("overdue")
    rows = session.execute(
        select(Commune.slug, func.coalesce(Department.code, "chua_phan_cong"), overdue, func.count())
        .select_from(Case)
        .join(Commune, Commune.id == Case.commune_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.status.in_(open_values))
        .group_by(Commune.slug, Department.code, overdue)
    )
    for commune, department, is_overdue, n in rows:
        key = (commune, department)
        snap.cases_open[key] = snap.cases_open.get(key, 0) + n
        snap.cases_overdue.setdefault(key, 0)
        if is_overdue:
            snap.cases_overdue[key] += n
    for status, n in session.execute(select(Bulletin.status, func.count()).group_by(Bulletin.status)):
        snap.bulletins[status] = n
    snap.audio_waiting = (
        session.scalar(
            select(func.count()).where(
                Bulletin.status == "draft", Bulletin.audio_path.is_(None), Bulletin.audio_error.is_(None)
            )
        )
        or 0
    )
    snap.audio_failed = session.scalar(select(func.count()).where(Bulletin.audio_error.is_not(None))) or 0
    return snap


class SnapshotCollector(Collector):
    def __init__(self, snap: Snapshot, *, rasa_up: bool) -> None:
        self.snap, self.rasa_up = snap, rasa_up

    def collect(self) -> Iterator[Metric]:
        snap = self.snap
        yield GaugeMetricFamily(
            "xaso_rasa_up", "1 when at least one Rasa replica answers its status", value=int(self.rasa_up)
        )
        depth = GaugeMetricFamily("xaso_outbox_depth", "Messages waiting to be delivered", labels=["channel"])
        age = GaugeMetricFamily("xaso_outbox_oldest_seconds", "Age of the oldest waiting message", labels=["channel"])
        for channel in sorted(set(snap.outbox_depth) | {"web", "zalo", "telegram"}):
            depth.add_metric([channel], snap.outbox_depth.get(channel, 0))
            age.add_metric([channel], snap.outbox_oldest_seconds.get(channel, 0.0))
        yield depth
        yield age
        yield GaugeMetricFamily("xaso_inbox_depth", "Citizens' messages not yet answered", value=snap.inbox_depth)
        yield GaugeMetricFamily(
            "xaso_inbox_oldest_seconds", "Age of the oldest unanswered message", value=snap.inbox_oldest_seconds
        )
        dead = GaugeMetricFamily("xaso_dead_letters", "Dead letters staff have not dismissed", labels=["queue"])
        for queue in ("inbox", "outbox"):
            dead.add_metric([queue], snap.dead_letters.get(queue, 0))
        yield dead
        opened = GaugeMetricFamily("xaso_cases_open", "Open cases", labels=["commune", "department"])
        late = GaugeMetricFamily(
            "xaso_cases_overdue", "Open cases past their deadline", labels=["commune", "department"]
        )
        for key in sorted(snap.cases_open):
            opened.add_metric(list(key), snap.cases_open[key])
            late.add_metric(list(key), snap.cases_overdue.get(key, 0))
        yield opened
        yield late
        bulletins = GaugeMetricFamily("xaso_bulletins", "Bulletins by status", labels=["status"])
        for status in sorted(set(snap.bulletins) | {"draft", "approved", "published", "withdrawn"}):
            bulletins.add_metric([status], snap.bulletins.get(status, 0))
        yield bulletins
        yield GaugeMetricFamily("xaso_bulletin_audio_waiting", "Drafts waiting for synthesis", value=snap.audio_waiting)
        yield GaugeMetricFamily(
            "xaso_bulletin_audio_failed", "Bulletins whose synthesis failed", value=snap.audio_failed
        )


def _allowed(request: Request, token: str) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep, factory: SessionFactoryDep, rasa: RasaDep) -> Response:
    if not _allowed(request, settings.metrics_token.get_secret_value()):
        raise NotFound("Không tìm thấy.", code="not_found")

    def read() -> Snapshot:
        with factory() as session:
            return take_snapshot(session)

    snap, rasa_up = await asyncio.gather(asyncio.to_thread(read), rasa.is_up())
    scraped = CollectorRegistry()
    scraped.register(SnapshotCollector(snap, rasa_up=rasa_up))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        body = generate_latest(processes) + generate_latest(scraped)
    else:
        body = generate_latest(REGISTRY) + generate_latest(scraped)
    return Response(body, media_type=CONTENT_TYPE)
