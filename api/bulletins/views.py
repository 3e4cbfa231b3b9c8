"""Rows to response bodies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.bulletins.announcements import report
from api.bulletins.models import PRIORITY_LABELS, STATUS_LABELS, Bulletin, Priority, Status
from api.bulletins.schemas import AudioRead, BulletinRead
from api.bulletins.service import audio_is_current, estimated_seconds
from api.staff.models import Staff
from broadcast.settings import BroadcastSettings


def _name(session: Session, staff_id: int | None) -> str | None:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.full_name if staff else None


def bulletin_read(session: Session, bulletin: Bulletin, settings: BroadcastSettings) -> BulletinRead:
    audio = None
    if bulletin.audio_path:
        audio = AudioRead(
            url=f"/api/v1/bulletins/{bulletin.id}/audio",
            bytes=bulletin.audio_bytes,
            duration_seconds=bulletin.audio_duration_seconds,
            loudness_lufs=bulletin.audio_loudness_lufs,
            true_peak_dbtp=bulletin.audio_true_peak_dbtp,
            engine=bulletin.audio_engine,
            voice=bulletin.audio_voice,
            current=audio_is_current(bulletin),
        )
    return BulletinRead(
        id=bulletin.id,
        title=bulletin.title,
        body=bulletin.body,
        priority=Priority(bulletin.priority),
        priority_label=PRIORITY_LABELS[Priority(bulletin.priority)],
        status=Status(bulletin.status),
        status_label=STATUS_LABELS[Status(bulletin.status)],
        engine=bulletin.engine,
        voice=bulletin.voice,
        rate=bulletin.rate,
        source=bulletin.source,
        source_url=bulletin.source_url,
        schedule=[play.play_at for play in bulletin.plays],
        created_by=_name(session, bulletin.created_by_id),
        approved_by=_name(session, bulletin.approved_by_id),
        approved_at=bulletin.approved_at,
        published_at=bulletin.published_at,
        audio=audio,
        audio_error=bulletin.audio_error,
        estimated_seconds=estimated_seconds(bulletin, settings),
        created_at=bulletin.created_at,
        updated_at=bulletin.updated_at,
        deliveries=report(session, bulletin_id=bulletin.id) if bulletin.announced_at else {},
    )
