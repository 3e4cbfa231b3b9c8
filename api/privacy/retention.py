"""Retention (Luật 91/2025/QH15: kept no longer than the purpose needs): a periodic job deletes messages, photos and
audio past their period and turns closed cases into anonymous records. Periods per kind in settings
(``XASO_RETENTION_*_DAYS``, 0 keeps forever); the first-contact notice states the same figures."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from api.background import PeriodicJob
from api.cases.catalog import DONE_STATUSES, OPEN_STATUSES
from api.cases.models import Case
from api.citizens.models import Citizen
from api.config import Settings
from api.db import transaction, utcnow
from api.inbox_events import models as inbox_models
from api.inbox_events.models import InboxEvent
from api.nlu.models import NluReview, ReviewStatus
from api.outbox import models as outbox_models
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from api.privacy.erasure import MARKER, anonymise_case, delete_rows, erase_and_record
from api.privacy.models import DataRequest, RequestKind
from api.staff.audit import AccessLog

BATCH = 500  # closed cases anonymised per run: a large backlog is worked off over several runs


@dataclass
class Swept:
    inbound_events: int = 0
    outbound_messages: int = 0
    review_rows: int = 0
    cases_anonymised: int = 0
    files: int = 0
    access_log: int = 0


def _cutoff(now: datetime, days: int) -> datetime | None:
    return now - timedelta(days=days) if days > 0 else None


def sweep_rows(session: Session, *, settings: Settings, now: datetime) -> tuple[Swept, set[tuple[str, str]]]:
    """Delete and anonymise in the caller's transaction; returns the counts and the files the anonymised cases held."""
    swept, files = Swept(), set[tuple[str, str]]()
    messages = _cutoff(now, settings.retention_message_days)
    if messages is not None:
        swept.inbound_events = delete_rows(
            session, InboxEvent,
            (InboxEvent.received_at < messages)
            & InboxEvent.status.not_in([inbox_models.PENDING, inbox_models.PROCESSING]),
        )  # fmt: skip
        swept.outbound_messages = delete_rows(
            session, OutboxMessage,
            (OutboxMessage.created_at < messages)
            & OutboxMessage.status.not_in([outbox_models.PENDING, outbox_models.SENDING]),
        )  # fmt: skip
        # A reviewed row waits for the next training export; a pending one is dropped with its period.
        swept.review_rows = delete_rows(
            session, NluReview,
            (NluReview.created_at < messages)
            & ((NluReview.status == ReviewStatus.pending.value) | NluReview.exported_at.is_not(None)),
        )  # fmt: skip
    closed = _cutoff(now, settings.retention_closed_case_days)
    if closed is not None:
        ended = func.coalesce(Case.closed_at, Case.resolved_at, Case.updated_at)
        stale = session.scalars(
            select(Case)
            .where(Case.status.in_([s.value for s in DONE_STATUSES]), ended < closed, Case.description != MARKER)
            .limit(BATCH)
        )
        for case in stale:
            anonymise_case(session, case, files)
            swept.cases_anonymised += 1
    access = _cutoff(now, settings.retention_access_log_days)
    if access is not None:
        swept.access_log = delete_rows(session, AccessLog, AccessLog.created_at < access)
    return swept, files


def expired_files(data_dir: Path, *, days: int, now: float | None = None) -> list[Path]:
    """Uploaded photos and audio older than their period (by the file's own time: uploads are never rewritten)."""
    folder = data_dir / "uploads"
    if days <= 0 or not folder.is_dir():
        return []
    limit = (now or time.time()) - days * 86400
    return [p for p in folder.glob("*/*") if p.is_file() and p.stat().st_mtime < limit]


def _forget_references(session: Session, paths: list[Path]) -> None:
    """A case no longer lists a photo that is gone (the console would show a broken link)."""
    urls = {f"/staff/media/{p.parent.name}/{p.name}" for p in paths}
    for case in session.scalars(select(Case).where(cast(Case.attachments, Text).like("%/staff/media/%"))):
        kept = [a for a in case.attachments or [] if a not in urls]
        if len(kept) != len(case.attachments or []):
            case.attachments = kept


def sweep(app: FastAPI) -> dict[str, int]:
    settings: Settings = app.state.settings
    with transaction(app.state.sessionmaker) as session:
        swept, case_files = sweep_rows(session, settings=settings, now=utcnow())
        old = expired_files(settings.data_dir, days=settings.retention_media_days)
        if old:
            _forget_references(session, old)
    for path in old:
        path.unlink(missing_ok=True)
    swept.files = len(old)
    for commune_id, name in case_files:  # the anonymised cases' photos leave with their text
        target = settings.data_dir / "uploads" / commune_id / name
        if target.is_file():
            target.unlink()
            swept.files += 1
    return asdict(swept)


FINISHED = (
    "Các hồ sơ của anh/chị đã giải quyết xong; theo yêu cầu trước đây, xã đã xóa dữ liệu cá nhân của anh/chị "
    "(hồ sơ chỉ còn dạng ẩn danh)."
)


def finish_forwarded_erasures(app: FastAPI) -> int:
    """Erasures passed to staff because a case was still open are carried out once no case of the person is open;
    the person is told on every channel they wrote from. Returns how many were finished."""
    factory = app.state.sessionmaker
    with transaction(factory) as session:
        waiting = [
            (r.id, r.commune_id, r.citizen_id)
            for r in session.scalars(
                select(DataRequest).where(
                    DataRequest.kind == RequestKind.erasure.value, DataRequest.status == "forwarded"
                )
            )
            if r.citizen_id is not None
        ]
    finished = 0
    for request_id, commune_id, citizen_id in waiting:
        with transaction(factory) as session:
            still_open = session.scalar(
                select(func.count()).where(
                    Case.citizen_id == citizen_id, Case.status.in_([s.value for s in OPEN_STATUSES])
                )
            )
            citizen = session.get(Citizen, citizen_id)
            channels = [c.conversation_id for c in citizen.conversations] if citizen is not None else []
        if still_open:
            continue
        _, erased = erase_and_record(
            factory, app.state.settings.data_dir, commune_id=commune_id, citizen_id=citizen_id, channel="staff"
        )
        with transaction(factory) as session:
            request = session.get(DataRequest, request_id)
            if request is not None:
                request.status, request.outcome = "done", {**request.outcome, **erased.counts()}
            for conversation_id in channels:
                enqueue_message(session, commune_id=commune_id, conversation_id=conversation_id, text=FINISHED)
        finished += 1
    return finished


def _run(app: FastAPI) -> None:
    sweep(app)
    finish_forwarded_erasures(app)


async def run_retention(app: FastAPI) -> None:
    await asyncio.to_thread(_run, app)


def retention_job(interval: float = 3600.0) -> PeriodicJob:
    return PeriodicJob(name="privacy-retention", interval=interval, run=run_retention)
