"""Bulletin rules: drafting, the length cap, approval, publishing and what is on today's schedule."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.bulletins import versions
from api.bulletins.models import Bulletin, BulletinPlay, Priority, Source, Status
from api.bulletins.schemas import BulletinCreate, BulletinUpdate
from api.communes.models import Commune
from api.db import utcnow
from api.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from api.staff.models import Staff
from broadcast.engines import EdgeEngine, EspeakEngine
from broadcast.normalize import normalize_text
from broadcast.settings import BroadcastSettings
from broadcast.speech import BulletinTooLong, check_length, estimate_programme_seconds

# How long a published emergency stays flagged for loudspeaker controllers that poll.
EMERGENCY_WINDOW = timedelta(hours=6)


def zone(commune: Commune) -> ZoneInfo:
    return ZoneInfo(commune.timezone or "Asia/Ho_Chi_Minh")


def spoken_source(bulletin: Bulletin) -> str:
    """What is read aloud: the title, a pause, then the body."""
    title = bulletin.title.strip().rstrip(".!?:")
    return f"{title}.\n\n{bulletin.body.strip()}"


def audio_key(bulletin: Bulletin) -> str:
    """Changes whenever the audio would sound different (text, engine, voice, rate)."""
    parts = (spoken_source(bulletin), bulletin.engine, bulletin.voice or "", str(bulletin.rate))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def audio_is_current(bulletin: Bulletin) -> bool:
    return bulletin.audio_path is not None and bulletin.audio_hash == audio_key(bulletin)


def estimated_seconds(bulletin: Bulletin, settings: BroadcastSettings) -> float:
    """The produced audio's real length once synthesised; before that, the measured speaking rate's estimate."""
    if audio_is_current(bulletin) and bulletin.audio_duration_seconds:
        return round(bulletin.audio_duration_seconds, 1)
    return round(estimate_programme_seconds(normalize_text(spoken_source(bulletin)), rate_percent=bulletin.rate), 1)


def _validate(bulletin: Bulletin, settings: BroadcastSettings) -> None:
    for field in ("title", "body"):
        if any(ord(c) < 32 and c not in "\n\r\t" for c in getattr(bulletin, field)):
            # PostgreSQL text cannot hold NUL, and no control character belongs in a spoken bulletin.
            message = "Văn bản chứa ký tự điều khiển không hợp lệ."
            raise ValidationFailed(message, code="control_characters", field=field)
    try:
        spoken = check_length(spoken_source(bulletin), settings)
    except BulletinTooLong as exc:
        raise ValidationFailed(str(exc), code="bulletin_too_long", field="body") from exc
    if not any(ch.isalnum() for ch in spoken):
        raise ValidationFailed("Bản tin không có nội dung đọc được.", code="nothing_to_say", field="body")
    piper = (settings.piper_model.stem,) if settings.piper_model else ()
    voices = {"edge": EdgeEngine.voices, "offline": EspeakEngine.voices, "piper": piper}[bulletin.engine]
    if bulletin.voice and bulletin.voice not in voices:
        raise ValidationFailed(
            f"Giọng '{bulletin.voice}' không thuộc engine {bulletin.engine} (chọn: {', '.join(voices) or '—'}).",
            code="invalid_voice",
            field="voice",
        )


def _set_schedule(bulletin: Bulletin, times: list[datetime]) -> None:
    unique = sorted({t.astimezone(ZoneInfo("UTC")).replace(microsecond=0) for t in times})
    bulletin.plays = [BulletinPlay(commune_id=bulletin.commune_id, play_at=t) for t in unique]


def create_bulletin(
    session: Session,
    *,
    commune_id: int,
    data: BulletinCreate,
    settings: BroadcastSettings,
    author: Staff | None = None,
    source: Source = Source.staff,
    source_ref: str | None = None,
    source_url: str | None = None,
) -> Bulletin:
    bulletin = Bulletin(
        commune_id=commune_id,
        title=data.title.strip(),
        body=data.body.strip(),
        priority=data.priority.value,
        engine=data.engine,
        voice=data.voice,
        rate=data.rate,
        source=source.value,
        source_ref=source_ref,
        source_url=source_url,
        created_by_id=author.id if author else None,
        status=Status.draft.value,
    )
    _validate(bulletin, settings)
    _set_schedule(bulletin, data.schedule)
    session.add(bulletin)
    session.flush()
    return bulletin


def get_bulletin(session: Session, *, commune_id: int, bulletin_id: int) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id)
    if bulletin is None or bulletin.commune_id != commune_id:
        raise NotFound(f"Không tìm thấy bản tin số {bulletin_id}.", code="bulletin_not_found")
    return bulletin


def list_bulletins(
    session: Session, *, commune_id: int, status: Status | None, page: int, per_page: int
) -> tuple[list[Bulletin], int]:
    query = select(Bulletin).where(Bulletin.commune_id == commune_id)
    if status is not None:
        query = query.where(Bulletin.status == status.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Bulletin.created_at.desc(), Bulletin.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def update_bulletin(session: Session, *, bulletin: Bulletin, data: BulletinUpdate, settings: BroadcastSettings) -> None:
    if bulletin.status in (Status.published, Status.withdrawn):
        raise Conflict("Bản tin đã phát hành, không sửa được. Hãy tạo bản tin mới.", code="bulletin_published")
    changes = data.model_dump(exclude_unset=True)
    schedule = changes.pop("schedule", None)
    for field, value in changes.items():
        if value is None and field != "voice":
            continue
        setattr(bulletin, field, value.strip() if isinstance(value, str) and field in ("title", "body") else value)
    _validate(bulletin, settings)
    if schedule is not None:
        _set_schedule(bulletin, schedule)
    if changes:
        bulletin.audio_error = None  # a new text or voice deserves a new attempt
    if bulletin.status == Status.approved and (not audio_is_current(bulletin) or changes or schedule is not None):
        # What was approved is no longer what would be played: it needs approving again.
        bulletin.status = Status.draft.value
        bulletin.approved_by_id = None
        bulletin.approved_at = None
    session.flush()


def delete_bulletin(session: Session, *, bulletin: Bulletin) -> None:
    if bulletin.status in (Status.published, Status.withdrawn):  # kept as a record
        raise Conflict("Bản tin đã phát hành, không xóa được.", code="bulletin_published")
    if bulletin.announced_at is not None:  # citizens' messages link to its approved audio
        raise Conflict("Bản tin đã gửi đến người dân, không xóa được.", code="bulletin_announced")
    session.delete(bulletin)
    session.flush()


def may_approve(bulletin: Bulletin, staff: Staff) -> bool:
    """Four eyes: a writer other than the author approves (an admin may approve their own)."""
    return staff.can_write and (bulletin.created_by_id != staff.id or staff.is_admin)


def approve(session: Session, *, bulletin: Bulletin, staff: Staff) -> None:
    if bulletin.status != Status.draft:
        raise Conflict("Chỉ duyệt được bản tin đang ở trạng thái nháp.", code="not_a_draft")
    if not may_approve(bulletin, staff):
        raise PermissionDenied("Người soạn không tự duyệt bản tin của mình.", code="self_approval")
    if not audio_is_current(bulletin):
        raise Conflict("Cần tạo âm thanh và nghe thử trước khi duyệt.", code="audio_missing", field="audio")
    bulletin.status = Status.approved.value
    bulletin.approved_by_id = staff.id
    bulletin.approved_at = utcnow()
    versions.record_approval(session, bulletin=bulletin, staff=staff)  # the exact file approved, kept for its links
    session.flush()


def publish(session: Session, *, bulletin: Bulletin, now: datetime | None = None) -> None:
    now = now or utcnow()
    if bulletin.status != Status.approved:
        raise Conflict("Chỉ bản tin đã duyệt mới được phát hành.", code="not_approved")
    if not audio_is_current(bulletin):
        raise Conflict("Âm thanh không khớp nội dung đã duyệt.", code="audio_stale", field="audio")
    # Emergencies go out at once; the others need a time on the commune's schedule.
    if bulletin.priority != Priority.khan_cap and not any(p.play_at >= now for p in bulletin.plays):
        raise ValidationFailed("Cần ít nhất một giờ phát sắp tới.", code="schedule_required", field="schedule")
    bulletin.status = Status.published.value
    bulletin.published_at = now
    session.flush()


def withdraw(session: Session, *, bulletin: Bulletin) -> None:
    """Take a published bulletin back: it leaves the RSS feed, the M3U playlists and the controllers' JSON (they all
    list published bulletins only); plays not yet made are cancelled. Messages already sent to chats stay sent."""
    if bulletin.status != Status.published:
        raise Conflict("Chỉ thu hồi được bản tin đã phát hành.", code="not_published")
    bulletin.status = Status.withdrawn.value
    session.flush()


def published(session: Session, *, commune_id: int, limit: int = 50) -> list[Bulletin]:
    query = (
        select(Bulletin)
        .where(Bulletin.commune_id == commune_id, Bulletin.status == Status.published.value)
        .order_by(Bulletin.published_at.desc(), Bulletin.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query).all())


@dataclass(frozen=True)
class Play:
    bulletin: Bulletin
    play_at: datetime
    interrupt: bool


def day_bounds(commune: Commune, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone(commune))
    return start, start + timedelta(days=1)


def schedule_between(session: Session, *, commune: Commune, start: datetime, end: datetime) -> list[Play]:
    """Published plays in [start, end) plus emergencies published recently, emergencies first."""
    rows = session.execute(
        select(BulletinPlay, Bulletin)
        .join(Bulletin, BulletinPlay.bulletin_id == Bulletin.id)
        .where(
            BulletinPlay.commune_id == commune.id,
            Bulletin.status == Status.published.value,
            BulletinPlay.play_at >= start,
            BulletinPlay.play_at < end,
        )
        .order_by(BulletinPlay.play_at, Bulletin.id)
    ).all()
    plays = [Play(b, p.play_at, b.is_emergency) for p, b in rows]
    emergencies = session.scalars(
        select(Bulletin).where(
            Bulletin.commune_id == commune.id,
            Bulletin.status == Status.published.value,
            Bulletin.priority == Priority.khan_cap.value,
            Bulletin.published_at >= min(start, utcnow() - EMERGENCY_WINDOW),
            Bulletin.published_at <= max(end, utcnow()),
        )
    ).all()
    scheduled = {play.bulletin.id for play in plays}
    immediate = [Play(b, b.published_at or utcnow(), True) for b in emergencies if b.id not in scheduled]
    return sorted(immediate, key=lambda p: p.play_at) + plays
