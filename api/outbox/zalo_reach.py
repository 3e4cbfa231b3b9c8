"""Zalo's rules for reaching a citizen with a notice (an announcement, a case-status change), decided per message.

1. Inside the interaction window (the citizen wrote to the OA recently): a free customer-service message.
2. Outside it, for announcements: a promotion ("truyền thông") message while the commune's monthly quota lasts.
3. Else a ZNS template message to the phone number the citizen gave (paid, per message), when the commune has
   configured a template for this kind of notice.
4. Else the citizen is not reachable on Zalo: the reason is recorded and staff see the phone number to call.

Configuration lives on the commune's Zalo account (``channel_accounts.config``): ``cs_window_hours`` (default 168,
Zalo's hard limit; some OAs are held to 48), ``promotion_quota_per_month`` (0: not used), ``zns_templates``
(``{"announcement"|"case_status": {"template_id": "…", "params": {"name": {"type": "code", "value": "{field}"}}}}``,
parameter types as registered with Zalo Cloud: ``channels/zalo/zns.py``) and ``zns_base``.

The policy only chooses: the chosen route is neutral data (:class:`channels.base.NoticeRoute`) that the channel's
connector formats and sends (:class:`channels.base.NoticeSender`); nothing here knows Zalo's wire formats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.channel_accounts.models import ChannelAccount
from api.citizens.models import Citizen, Conversation
from api.db import utcnow
from api.inbox_events.models import InboxEvent
from api.infra.leasing import as_utc
from api.infra.writes import write_transaction
from api.outbox.models import PENDING, SENDING, SENT, OutboxMessage
from channels.base import NoticeRoute

DEFAULT_WINDOW_HOURS = 168.0
# Which notices may fall back to promotion / ZNS, and which ZNS template each uses.
TEMPLATE_OF_KIND = {
    "announcement": "announcement",
    "case_received": "case_status",
    "case_assigned": "case_status",
    "case_in_progress": "case_status",
    "case_resolved": "case_status",
    "case_rejected": "case_status",
    "case_duplicate": "case_status",
    "dossier_status": "case_status",  # a one-stop dossier's change (api/dossiers/jobs.py)
    "appointment": "case_status",  # a consultation's time set by staff, with its video link (api/appointments/)
    "appointment_reminder": "case_status",  # the day before and 15 minutes before (api/appointments/jobs.py)
}
PROMOTION_KINDS = {"announcement"}  # promotion messages are for news, never for a person's own case
_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


# A citizen's phone as the platform addresses notices to it, None when it cannot (NoticeSender.notice_phone).
PhoneAddress = Callable[[str | None], str | None]


class RecordedInbound(Protocol):
    """When the citizen last wrote, as their conversation records it (``api.conversations.service.last_inbound_at``,
    registered by api/routers.py: the outbox sits below the conversations and imports none of them)."""

    def __call__(self, session: Session, *, conversation_id: str) -> datetime | None: ...


@dataclass(frozen=True)
class Reach:
    route: str  # cs | promotion | zns | unreachable
    reason: str | None = None
    notice: NoticeRoute | None = None  # how to send it, for the routes outside the window (promotion, zns)


def applies(channel: str, kind: str) -> bool:
    return channel == "zalo" and kind in TEMPLATE_OF_KIND


def last_inbound(session: Session, *, conversation_id: str, recorded_inbound: RecordedInbound) -> datetime | None:
    """When the citizen last wrote: the conversation's own record, or the newest stored inbound event."""
    recorded = recorded_inbound(session, conversation_id=conversation_id)
    received = session.scalar(
        select(func.max(InboxEvent.received_at)).where(InboxEvent.conversation_id == conversation_id)
    )
    moments = [m for m in (as_utc(recorded), as_utc(received)) if m is not None]
    return max(moments) if moments else None


def phone_of(session: Session, *, conversation_id: str) -> str | None:
    return session.scalar(
        select(Citizen.phone)
        .join(Conversation, Conversation.citizen_id == Citizen.id)
        .where(Conversation.conversation_id == conversation_id, Citizen.erased_at.is_(None))
    )


def _month_start(now: datetime) -> datetime:
    local = now.astimezone(_ZONE)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _promotion_left(
    session: Session, *, message_id: int, commune_id: int, account_id: int, quota: int, now: datetime
) -> int:
    # Serialise the reservations of one account (PostgreSQL; SQLite has one writer anyway).
    session.execute(select(ChannelAccount.id).where(ChannelAccount.id == account_id).with_for_update())
    used = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.commune_id == commune_id,
            OutboxMessage.channel == "zalo",
            OutboxMessage.route == "promotion",
            OutboxMessage.id != message_id,
            or_(
                OutboxMessage.status.in_((PENDING, SENDING)),
                (OutboxMessage.status == SENT) & (OutboxMessage.sent_at >= _month_start(now)),
            ),
        )
    )
    return quota - int(used or 0)


def _int(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def decide(
    session: Session,
    *,
    message_id: int,
    commune_id: int,
    account_id: int,
    conversation_id: str,
    kind: str,
    config: dict[str, Any],
    context: dict[str, Any] | None,
    phone_address: PhoneAddress,
    recorded_inbound: RecordedInbound,
    window_closed: bool = False,
    promotion_refused: bool = False,
    now: datetime | None = None,
) -> Reach:
    """Choose the route and record it on the message (a promotion reserves one unit of the month's quota)."""
    now = now or utcnow()
    window = timedelta(hours=_int(config.get("cs_window_hours"), DEFAULT_WINDOW_HOURS))
    wrote = last_inbound(session, conversation_id=conversation_id, recorded_inbound=recorded_inbound)
    reasons = []
    if not window_closed and wrote is not None and now - wrote < window:
        reach = Reach("cs")
    else:
        hours = window.total_seconds() / 3600
        reasons.append(f"Người dân không nhắn cho OA trong {hours:.0f} giờ qua (ngoài khung tương tác của Zalo)")
        reach = _outside_window(
            session,
            message_id,
            commune_id,
            account_id,
            conversation_id,
            kind,
            config,
            context,
            phone_address,
            now,
            reasons,
            promotion_refused,
        )
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(route=reach.route))
    return reach


def _outside_window(
    session: Session,
    message_id: int,
    commune_id: int,
    account_id: int,
    conversation_id: str,
    kind: str,
    config: dict[str, Any],
    context: dict[str, Any] | None,
    phone_address: PhoneAddress,
    now: datetime,
    reasons: list[str],
    promotion_refused: bool = False,
) -> Reach:
    quota = int(_int(config.get("promotion_quota_per_month"), 0))
    if promotion_refused:
        reasons.append("Zalo từ chối tin truyền thông cho người dân này lúc này")
    elif kind in PROMOTION_KINDS and quota > 0:
        left = _promotion_left(
            session, message_id=message_id, commune_id=commune_id, account_id=account_id, quota=quota, now=now
        )
        if left > 0:
            return Reach("promotion", notice=_notice("promotion", message_id, context))
        reasons.append(f"đã dùng hết {quota} tin truyền thông của tháng")
    templates = config.get("zns_templates") if isinstance(config.get("zns_templates"), dict) else {}
    template = templates.get(TEMPLATE_OF_KIND[kind]) if templates else None
    phone = phone_address(phone_of(session, conversation_id=conversation_id))
    if not isinstance(template, dict) or not template.get("template_id"):
        reasons.append("xã chưa cấu hình mẫu tin ZNS cho loại tin này")
    elif phone is None:
        reasons.append("người dân chưa cho số điện thoại để gửi tin ZNS")
    else:
        raw = template.get("params")
        params = {str(k): v for k, v in raw.items()} if isinstance(raw, dict) else {}  # types: channels/zalo/zns.py
        route = _notice(
            "zns", message_id, context, phone=phone, template_id=str(template["template_id"]), params=params
        )
        return Reach("zns", notice=route)
    return Reach("unreachable", reason="Không liên lạc được qua Zalo: " + "; ".join(reasons) + ".")


def _notice(
    name: str,
    message_id: int,
    context: dict[str, Any] | None,
    *,
    phone: str | None = None,
    template_id: str | None = None,
    params: dict[str, Any] | None = None,
) -> NoticeRoute:
    details = context or {}
    return NoticeRoute(
        name=name,
        tracking_id=f"xaso-{message_id}",
        title=str(details.get("title") or "Thông báo"),
        link=str(details["link"]) if details.get("link") else None,
        phone=phone,
        template_id=template_id,
        template_params=params or {},
        fields=details,
    )


def decide_now(factory: sessionmaker[Session], **kwargs: Any) -> Reach:
    with write_transaction(factory) as session:
        return decide(session, **kwargs)
