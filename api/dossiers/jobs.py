"""The watch poll: every ``XASO_DOSSIER_POLL_SECONDS`` the watched dossiers are looked up again at their source, and a
status change is queued to the citizen's conversation through the outbox (Zalo's window and ZNS rules apply there:
api/outbox/zalo_reach.py, kind ``dossier_status``). A finished dossier (result returned, cancelled) stops its watch.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.background import PeriodicJob
from api.config import Settings
from api.db import utcnow
from api.dossiers import service
from api.dossiers.models import DossierWatch
from api.dossiers.source import DossierSource, DossierStatus, SourceUnavailable
from api.infra.writes import write_transaction
from api.outbox.service import enqueue_message

log = logging.getLogger(__name__)
BATCH = 200
KIND = "dossier_status"
GIVE_UP_FAILURES = 200  # about a week of a source down at the 5-minute default; the citizen can ask again


def watches_due_now(session: Session, *, code: str) -> None:
    """Make the watches of one dossier due at the next poll (a demo dossier was just moved on)."""
    session.execute(
        update(DossierWatch)
        .where(DossierWatch.code == code, DossierWatch.active.is_(True))
        .values(checked_at=datetime(2000, 1, 1, tzinfo=UTC))
    )


def _due(factory: sessionmaker[Session], settings: Settings) -> list[tuple[int, int, str, str]]:
    cutoff = utcnow() - timedelta(seconds=settings.dossier_poll_seconds * 0.9)
    with factory() as session:
        rows = session.execute(
            select(DossierWatch.id, DossierWatch.commune_id, DossierWatch.code, DossierWatch.last_status)
            .where(DossierWatch.active.is_(True), DossierWatch.checked_at <= cutoff)
            .order_by(DossierWatch.checked_at)
            .limit(BATCH)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _sources(factory: sessionmaker[Session], settings: Settings, commune_ids: set[int]) -> dict[int, DossierSource]:
    sources: dict[int, DossierSource] = {}
    with factory() as session:
        for commune_id in commune_ids:
            row = service.source_config(session, commune_id=commune_id)
            source = service.build_source(row, factory=factory, commune_id=commune_id, settings=settings)
            if source is not None:
                sources[commune_id] = source
    return sources


def _apply(factory: sessionmaker[Session], watch_id: int, status: DossierStatus | None, failed: bool) -> bool:
    """Record one check; queue the change notice in the same transaction. True when a notice was queued."""
    with write_transaction(factory) as session:
        row = session.get(DossierWatch, watch_id)
        if row is None or not row.active:
            return False
        row.checked_at = utcnow()
        if failed or status is None:
            row.failures += 1
            row.active = row.failures < GIVE_UP_FAILURES
            return False
        row.failures = 0
        if status.status_code == row.last_status:
            return False
        row.last_status = status.status_code
        text = service.change_text(status)
        enqueue_message(
            session, commune_id=row.commune_id, conversation_id=row.conversation_id, text=text, kind=KIND,
            context={"case_code": status.code, "status": status.status_label, "text": text, "title": "Hồ sơ một cửa"},
        )  # fmt: skip
        service.record_lookup(
            session, commune_id=row.commune_id, conversation_id=row.conversation_id, code=status.code, by="watch",
            outcome=status.stage.value, source="demo" if status.demo else "source",
        )  # fmt: skip
        if status.stage in service.FINAL:
            row.active = False
        return True


async def poll_watches(factory: sessionmaker[Session], settings: Settings) -> int:
    """One pass over the due watches; returns how many change notices were queued."""
    due = await run_in_threadpool(_due, factory, settings)
    if not due:
        return 0
    sources = await run_in_threadpool(_sources, factory, settings, {commune for _, commune, _, _ in due})
    queued = 0
    for watch_id, commune_id, code, _last in due:
        source = sources.get(commune_id)
        status, failed = None, source is None
        if source is not None:
            try:
                status = await source.lookup(code)
            except SourceUnavailable as exc:
                log.warning("dossier watch %s: source unavailable: %s", watch_id, exc)
                failed = True
        queued += await run_in_threadpool(_apply, factory, watch_id, status, failed)
    return queued


def dossier_watch_job(settings: Settings) -> PeriodicJob:
    async def run(app: FastAPI) -> None:
        await poll_watches(app.state.sessionmaker, app.state.settings)

    return PeriodicJob("dossier_watches", settings.dossier_poll_seconds, run)
