"""Announcements: an approved bulletin sent as a chat message to the subscribers of chosen hamlets and topics.

Creating one writes a single row and returns at once; a background job (api/bulletins/jobs.py) counts the recipients,
then queues them in chunks (each chunk's outbox messages, delivery rows and cursor in one transaction, one batched
INSERT each), so the console shows "queued N / total" and a restart continues where it stopped, nobody queued twice.
The outbox then sends at each platform's rate, emergencies first; each message's state is the delivery report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.bulletins import versions
from api.bulletins.models import Announcement, AnnouncementDelivery, Bulletin, BulletinAudioApproval, Priority, Status
from api.bulletins.service import zone
from api.citizens.models import Citizen, Conversation
from api.communes.models import Commune
from api.db import utcnow
from api.errors import Conflict, ValidationFailed
from api.infra.bulk import insert_rows
from api.infra.writes import write_transaction
from api.outbox.models import (
    CANCELLED,
    FAILED,
    PENDING,
    PRIORITY_EMERGENCY,
    PRIORITY_NORMAL,
    SENDING,
    SENT,
    UNREACHABLE,
    OutboxMessage,
)
from api.outbox.service import enqueue_message_rows
from api.staff.models import Staff
from api.subscriptions.hamlets import hamlet_key, known_hamlets
from api.subscriptions.service import ANNOUNCEMENT_KIND, Audience, count_matching, matching, validate_audience
from api.subscriptions.topics import EMERGENCY
from channels import ids

QUEUING, QUEUED = "queuing", "queued"
CHUNK = 1000  # recipients per transaction: 10,000 in ten commits; a chunk holds SQLite's write lock 0.1–0.3 s
CHANNELS = ids.NAMES
STATE_OF_STATUS = {
    PENDING: "queued",
    SENDING: "queued",
    SENT: "sent",
    FAILED: "failed",
    UNREACHABLE: "not_reachable",
    CANCELLED: "unsubscribed",
}
STATES = ("queued", "sent", "failed", "not_reachable", "unsubscribed")
STATE_LABELS = {
    "queued": "đang chờ gửi",
    "sent": "đã gửi",
    "failed": "lỗi",
    "not_reachable": "không liên lạc được",
    "unsubscribed": "đã hủy nhận tin",
}
_DELIVERIES = cast(Table, AnnouncementDelivery.__table__)


def audio_link(public_base_url: str, commune: Commune, bulletin: Bulletin) -> str | None:
    """The public audio of the bulletin (served once the bulletin is announced or published): the unversioned link,
    which serves its latest approved version. Messages link the exact version sent (``versions.version_url``)."""
    if not bulletin.audio_path:
        return None
    return f"{public_base_url.rstrip('/')}/api/v1/broadcast/{commune.slug}/audio/{bulletin.id}.mp3"


def message_text(
    commune: Commune, bulletin: Bulletin, link: str | None, approved: BulletinAudioApproval | None = None
) -> str:
    """The chat message; ``approved``: the approved version's text, whatever the bulletin became since."""
    head = f"📢 THÔNG BÁO KHẨN CẤP – {commune.name}" if bulletin.is_emergency else f"📢 Thông báo của {commune.name}"
    source = approved or bulletin
    parts = [head, source.title.strip(), source.body.strip()]
    if link:
        parts.append(f"🔊 Nghe bản tin: {link}")
    parts.append("(Nhắn “hủy nhận tin” để ngừng nhận thông báo, “đổi ấp” để đổi nơi nhận tin.)")
    return "\n\n".join(parts)


def template_context(
    commune: Commune,
    bulletin: Bulletin,
    link: str | None,
    moment: datetime,
    approved: BulletinAudioApproval | None = None,
) -> dict[str, Any]:
    """What a ZNS template or a promotion message may show of the bulletin (of its approved version, when given)."""
    source = approved or bulletin
    body = " ".join(source.body.split())
    return {
        "title": source.title.strip(),
        "summary": body if len(body) <= 100 else body[:97].rstrip() + "…",
        "link": link or "",
        "commune": commune.name,
        "date": moment.astimezone(zone(commune)).strftime("%d/%m/%Y"),
        "priority": "khẩn cấp" if bulletin.is_emergency else "",
    }


def announce(
    session: Session,
    *,
    bulletin: Bulletin,
    staff: Staff | None,
    hamlets: list[str],
    topics: list[str],
) -> Announcement:
    """Record an announcement of an approved (or published) bulletin; the queueing job does the rest."""
    if bulletin.status not in (Status.approved, Status.published):
        raise Conflict("Chỉ gửi tin nhắn cho bản tin đã duyệt.", code="not_approved")
    hamlets = [" ".join(h.split()) for h in hamlets]
    validate_audience(hamlets, topics)
    commune = session.get(Commune, bulletin.commune_id)
    assert commune is not None
    known = {h.key: h.name for h in known_hamlets(commune)}
    keys = [hamlet_key(h) for h in hamlets]
    if hamlets and not known:
        # Without the commune's list nobody could check the name: a typo would be a silent send to nobody.
        raise ValidationFailed(
            f"Xã chưa có danh sách ấp nên không gửi riêng cho: {', '.join(hamlets)}. "
            "Hãy nhập danh sách ấp (tỉnh: xaso commune hamlets) hoặc gửi cho cả xã.",
            code="no_hamlet_list",
            field="hamlets",
        )
    unknown = [h for h, k in zip(hamlets, keys, strict=True) if known and k not in known]
    if unknown:
        raise ValidationFailed(
            f"Không có ấp: {', '.join(unknown)} (các ấp của xã: {', '.join(known.values())}).",
            code="unknown_hamlet",
            field="hamlets",
        )
    emergency = bulletin.priority == Priority.khan_cap
    approval = versions.latest_approval(session, bulletin_id=bulletin.id)  # the version this announcement sends
    row = Announcement(
        commune_id=bulletin.commune_id,
        bulletin_id=bulletin.id,
        hamlets=[known.get(k, h) for h, k in zip(hamlets, keys, strict=True)],
        hamlet_keys=sorted(set(keys)),
        # An emergency goes to everyone who receives the emergency topic (every active subscriber).
        topics=[EMERGENCY] if emergency else sorted(set(topics)),
        priority=PRIORITY_EMERGENCY if emergency else PRIORITY_NORMAL,
        status=QUEUING,
        cursor=0,
        queued_count=0,
        created_by_id=staff.id if staff else None,
        approval_id=approval.id if approval is not None else None,
    )
    session.add(row)
    bulletin.announced_at = bulletin.announced_at or utcnow()
    session.flush()
    return row


def announce_emergency(session: Session, *, bulletin: Bulletin, staff: Staff | None) -> Announcement | None:
    """On publishing an emergency: every subscriber of the commune gets it at once (unless already announced)."""
    if bulletin.priority != Priority.khan_cap or announcements_of(session, bulletin_id=bulletin.id):
        return None
    return announce(session, bulletin=bulletin, staff=staff, hamlets=[], topics=[EMERGENCY])


def announcements_of(session: Session, *, bulletin_id: int) -> list[Announcement]:
    query = select(Announcement).where(Announcement.bulletin_id == bulletin_id).order_by(Announcement.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Chunk:
    queued: int
    done: bool


def queue_chunk(
    factory: sessionmaker[Session], *, announcement_id: int, public_base_url: str, limit: int = CHUNK
) -> Chunk:
    """Queue the next recipients of one announcement: messages, delivery rows and the cursor in one transaction."""
    with write_transaction(factory) as session:
        row = session.get(Announcement, announcement_id, with_for_update=True)  # one queuer per announcement
        if row is None or row.status != QUEUING:
            return Chunk(0, True)
        bulletin = session.get(Bulletin, row.bulletin_id)
        commune = session.get(Commune, row.commune_id)
        assert bulletin is not None and commune is not None
        audience = Audience(tuple(row.hamlet_keys or ()), tuple(row.topics or ()))
        if row.recipients is None:  # the first chunk: how many it will reach, for the console's "N / total"
            reached = select(AnnouncementDelivery.subscription_id).where(
                AnnouncementDelivery.bulletin_id == bulletin.id
            )
            row.recipients = count_matching(
                session, commune_id=row.commune_id, audience=audience, after_id=row.cursor, besides=reached
            )
        subscribers, last_id = matching(
            session, commune_id=row.commune_id, audience=audience, after_id=row.cursor, limit=limit
        )
        if last_id is None:
            # Subscribers who came or left meanwhile made the estimate; the final count is what was queued.
            row.status, row.queued_at, row.recipients = QUEUED, utcnow(), row.queued_count
            return Chunk(0, True)
        already = set(
            session.scalars(
                select(AnnouncementDelivery.subscription_id).where(
                    AnnouncementDelivery.bulletin_id == bulletin.id,
                    AnnouncementDelivery.subscription_id.in_([s.id for s in subscribers]),
                )
            )
        )
        approved = session.get(BulletinAudioApproval, row.approval_id) if row.approval_id else None
        link = (
            versions.version_url(public_base_url, commune, approved)
            if approved is not None
            else audio_link(public_base_url, commune, bulletin)
        )
        text = message_text(commune, bulletin, link, approved)
        context = template_context(commune, bulletin, link, utcnow(), approved)
        fresh = [subscriber for subscriber in subscribers if subscriber.id not in already]
        ids = enqueue_message_rows(
            session,
            commune_id=row.commune_id,
            kind=ANNOUNCEMENT_KIND,
            priority=row.priority,
            messages=[(s.conversation_id, text, {**context, "hamlet": s.hamlet or ""}) for s in fresh],
        )  # one batched INSERT per chunk, not one per recipient
        deliveries = [
            {
                "announcement_id": row.id,
                "bulletin_id": bulletin.id,
                "subscription_id": subscriber.id,
                "channel": subscriber.channel,
                "outbox_message_id": message_id,
            }
            for subscriber, message_id in zip(fresh, ids, strict=True)
        ]
        insert_rows(session.connection(), _DELIVERIES, deliveries)
        row.cursor = last_id
        row.queued_count += len(deliveries)
        return Chunk(len(deliveries), False)


def queuing_ids(factory: sessionmaker[Session]) -> list[int]:
    """Announcements still being queued, emergencies first."""
    with factory() as session:
        query = (
            select(Announcement.id)
            .where(Announcement.status == QUEUING)
            .order_by(Announcement.priority.desc(), Announcement.id)
        )
        return list(session.scalars(query))


def report(session: Session, *, bulletin_id: int) -> dict[str, dict[str, int]]:
    """Counts per channel and state: ``{"zalo": {"queued": 0, "sent": 3, …}, "telegram": {…}, "web": {…}}``."""
    counts: dict[str, dict[str, int]] = {channel: dict.fromkeys(STATES, 0) for channel in CHANNELS}
    rows = session.execute(
        select(AnnouncementDelivery.channel, OutboxMessage.status, func.count())
        .join(OutboxMessage, OutboxMessage.id == AnnouncementDelivery.outbox_message_id)
        .where(AnnouncementDelivery.bulletin_id == bulletin_id)
        .group_by(AnnouncementDelivery.channel, OutboxMessage.status)
    ).all()
    for channel, status, n in rows:
        state = STATE_OF_STATUS.get(status, "queued")
        counts.setdefault(channel, dict.fromkeys(STATES, 0))[state] += n
    return counts


@dataclass(frozen=True)
class Unreached:
    channel: str
    conversation_id: str
    name: str | None
    phone: str | None
    reason: str


def unreached(session: Session, *, bulletin_id: int, limit: int = 200) -> list[Unreached]:
    """Recipients the platform would not let us reach (or whose message failed), with the phone to call them."""
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.conversation_id, OutboxMessage.last_error, Citizen)
        .join(AnnouncementDelivery, AnnouncementDelivery.outbox_message_id == OutboxMessage.id)
        .outerjoin(Conversation, Conversation.conversation_id == OutboxMessage.conversation_id)
        .outerjoin(Citizen, Citizen.id == Conversation.citizen_id)
        .where(AnnouncementDelivery.bulletin_id == bulletin_id, OutboxMessage.status.in_((UNREACHABLE, FAILED)))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return [
        Unreached(channel, conversation, citizen.display_name if citizen else None,
                  citizen.phone if citizen else None, reason or "")
        for channel, conversation, reason, citizen in rows
    ]  # fmt: skip
