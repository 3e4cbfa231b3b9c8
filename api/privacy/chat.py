"""The citizen's side of the privacy duties, on every channel: the notice at first contact, and the rights asked for
in the chat ("xem dữ liệu của tôi", "xóa dữ liệu của tôi", "rút lại đồng ý", with or without diacritics), tied to
the channel identity the message came from, carried out, and recorded in ``privacy_requests``.

Hooked into the inbound path by ``api/inbox/turns.py`` (``handle``), after the emergency screen: safety answers
first, and a data request never waits behind a staff hand-off. The inbox opens the transaction ``answer`` writes in
and marks the inbound event done in it; this module imports no inbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.appointments.models import UPCOMING, Appointment
from api.cases.catalog import OPEN_STATUSES, Kind, status_label
from api.cases.models import Case, TimelineEntry
from api.citizens.service import citizen_for_conversation, get_or_create_citizen
from api.communes.models import Commune
from api.conversations import service as conversations
from api.conversations.local import Context, Turn, reply
from api.db import utcnow
from api.inbox_events.models import InboxEvent
from api.infra.writes import write_transaction
from api.nlu.models import NluReview
from api.privacy import erasure, notice, service
from api.privacy.erasure import erase_and_record
from api.privacy.models import ConsentStatus, Purpose, RequestKind
from api.subscriptions import service as subscriptions
from api.subscriptions.commands import normalise
from api.subscriptions.models import Subscription
from channels.base import InboundMessage

ROUTE = "privacy"

_ME = r"(?:cua )?(?:toi|minh|em|tui|tao|chau)"
COMMANDS: list[tuple[str, re.Pattern[str]]] = [
    ("erase_confirm", re.compile(r"^xac nhan xoa(?: (?:het )?du lieu(?: ca nhan)?(?: " + _ME + r")?)?$")),
    ("access", re.compile(r"^(?:cho (?:toi|em|minh) )?xem (?:lai )?(?:cac |tat ca )?du lieu(?: ca nhan)? "
                          + _ME + r"$")),
    ("erase", re.compile(r"^(?:hay |xin |vui long )?xoa (?:het |toan bo )?du lieu(?: ca nhan)? " + _ME + r"$")),
    ("withdraw", re.compile(r"^(?:toi )?rut (?:lai )?(?:su )?dong y(?: cua toi)?$")),
    ("health_consent", re.compile(r"^(?:toi )?dong y (?:cho )?luu thong tin suc khoe$")),
]  # fmt: skip
ERASE_ASK = (
    "Anh/chị muốn xóa toàn bộ dữ liệu cá nhân xã đang lưu (tin nhắn, tên, số điện thoại, ảnh, đăng ký nhận tin)? "
    'Hồ sơ chỉ còn lại dạng ẩn danh. Việc này không hoàn tác được. Nhắn "xác nhận xóa" để xóa.'
)
ERASED = (
    "Đã xóa dữ liệu cá nhân của anh/chị: {summary}. Các hồ sơ cũ chỉ còn dạng ẩn danh (mã, lĩnh vực, ngày tháng). "
    "Nếu anh/chị nhắn tiếp, đó là một cuộc trò chuyện mới."
)
FORWARDED = (
    "Anh/chị đang có {n} hồ sơ chưa giải quyết xong ({codes}); theo quy định xã phải giữ thông tin để giải quyết. "
    "Yêu cầu xóa đã được chuyển cán bộ: phần còn lại sẽ được xóa khi hồ sơ hoàn tất, và xã sẽ báo lại cho anh/chị."
)
WITHDRAWN = (
    "Đã ghi nhận anh/chị rút lại sự đồng ý: {summary}. Xã không lưu thêm thông tin sức khỏe và không gửi thông báo "
    'cho anh/chị nữa. Muốn xóa hết dữ liệu, nhắn "xóa dữ liệu của tôi".'
)
HEALTH_GRANTED = "Em cảm ơn anh/chị. Xã đã ghi nhận anh/chị đồng ý lưu thông tin sức khỏe để cán bộ y tế tư vấn."


@dataclass(frozen=True)
class Command:
    action: str


def parse_command(text: str) -> Command | None:
    folded = normalise(text)
    if not folded or len(folded.split()) > 12:
        return None
    for action, pattern in COMMANDS:
        if pattern.match(folded):
            return Command(action)
    return None


# --- first contact -------------------------------------------------------------------------------------------------


def notice_wanted(app: FastAPI, message: InboundMessage, route: str) -> bool:
    """Whether a turn of this route is followed by the first-contact check. A data request's own answer speaks of
    the rights already."""
    return message.kind != "unfollow" and route != ROUTE and bool(app.state.settings.privacy_notice)


def first_contact(app: FastAPI, ctx: Context, message: InboundMessage) -> list[dict[str, Any]] | None:
    """Record and send the notice on the conversation's first contact; None when it had it already (blocking)."""
    factory: sessionmaker[Session] = app.state.sessionmaker
    key = message.conversation_id
    # One indexed read per message. Not cached in the process: another gateway process may have erased the
    # conversation since, and its next message is a new first contact.
    with factory() as session:
        if service.consent_status(session, conversation_id=key, purpose=Purpose.notice) is not None:
            return None
    with write_transaction(factory) as session:
        recorded = service.set_consent(
            session, commune_id=ctx.commune_id, conversation_id=key, channel=ctx.channel, purpose=Purpose.notice,
            status=ConsentStatus.notified,
        )  # fmt: skip
        replies = None
        if recorded:  # else a concurrent first message sent it
            commune = session.get(Commune, ctx.commune_id)
            text = notice.notice_text(app.state.settings, commune_name=commune.name if commune else "Xã")
            replies = reply(session, ctx, key, text, kind="privacy_notice")
    return replies


def add_notice(app: FastAPI, ctx: Context, message: InboundMessage, turn: Turn) -> Turn:
    """The turn, followed by the privacy notice when this is the conversation's first contact (after the answer, so
    an emergency's numbers always come first), marked as seen to. Blocking: ``with_notice`` runs it in a worker
    thread; api/inbox/turns.py calls it in the thread that stored Rasa's answer."""
    if turn.noticed or not notice_wanted(app, message, turn.route):
        return turn
    sent = first_contact(app, ctx, message)
    if sent is None:
        return replace(turn, noticed=True)
    return Turn(turn.route, [*turn.replies, *sent], turn.queued or not ctx.inline, noticed=True)


async def with_notice(app: FastAPI, ctx: Context, message: InboundMessage, turn: Turn) -> Turn:
    """``add_notice`` from the event loop (no worker-thread trip when the turn needs no check)."""
    if turn.noticed or not notice_wanted(app, message, turn.route):
        return turn
    return await run_in_threadpool(add_notice, app, ctx, message, turn)


# --- rights from the chat ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """A confirmed erasure with no case open: ``erase`` carries it out once the caller's transaction has committed."""

    citizen_id: int


def answer(session: Session, ctx: Context, message: InboundMessage, command: Command) -> Turn | Erasure:
    """The data request's answer, in the caller's write transaction (which marks the inbound event done:
    api/inbox/turns.py); for a confirmed erasure that nothing holds back, what ``erase`` is to carry out."""
    key = message.conversation_id
    conversations.ensure(session, conversation_id=key, commune_id=ctx.commune_id)  # the citizen's link
    citizen = get_or_create_citizen(session, commune_id=ctx.commune_id, conversation_id=key, channel=ctx.channel)
    if command.action == "erase_confirm":
        return _erase_or_forward(session, ctx, key, citizen.id)
    if command.action == "access":
        text, outcome = _access(session, key, citizen.id)
    elif command.action == "erase":
        text, outcome = ERASE_ASK, None
    elif command.action == "withdraw":
        text, outcome = _withdraw(session, ctx, key, citizen.id)
    else:
        service.set_consent(
            session, commune_id=ctx.commune_id, conversation_id=key, channel=ctx.channel,
            purpose=Purpose.health, status=ConsentStatus.granted, citizen_id=citizen.id,
        )  # fmt: skip
        text, outcome = HEALTH_GRANTED, None
    if outcome is not None:
        kind = RequestKind.access if command.action == "access" else RequestKind.withdrawal
        service.record_request(
            session, commune_id=ctx.commune_id, citizen_id=citizen.id, kind=kind, channel=ctx.channel,
            status="done", outcome=outcome,
        )  # fmt: skip
    replies = reply(session, ctx, key, text, kind=ROUTE)
    return Turn(ROUTE, replies, not ctx.inline)


def _access(session: Session, key: str, citizen_id: int) -> tuple[str, dict[str, Any]]:
    citizen = citizen_for_conversation(session, conversation_id=key)
    cases = list(session.scalars(select(Case).where(Case.citizen_id == citizen_id).order_by(Case.created_at)))
    messages = session.scalar(select(func.count()).where(InboxEvent.conversation_id == key)) or 0
    subscription = session.scalar(select(Subscription).where(Subscription.conversation_id == key))
    consents = service.consents_of(session, conversation_ids=[key])
    lines = [
        "Dữ liệu xã đang lưu về anh/chị (trên kênh này):",
        f"• Tên: {citizen.display_name if citizen and citizen.display_name else 'chưa có'}",
        f"• Số điện thoại: {citizen.phone if citizen and citizen.phone else 'chưa có'}",
        f"• Tin nhắn đã gửi: {messages}",
        f"• Hồ sơ: {len(cases)}"
        + "".join(f"\n   – {c.code}: {c.title} ({status_label(c.status)})" for c in cases[:10]),
        f"• Nhận thông báo: {_subscribed(subscription)}",
        "• Đồng ý: "
        + (", ".join(f"{_PURPOSES.get(c.purpose, c.purpose)}: {_STATUSES.get(c.status, c.status)}" for c in consents)
           or "chưa có"),
        "Nhắn \"xóa dữ liệu của tôi\" để xóa, \"rút lại đồng ý\" để rút lại sự đồng ý.",
    ]  # fmt: skip
    return "\n".join(lines), {"cases": len(cases), "messages": messages}


def _subscribed(row: Subscription | None) -> str:
    if row is None or row.status != "active":
        return "không"
    return f"có ({row.hamlet})" if row.hamlet else "có"


_PURPOSES = {"notice": "đã nhận thông báo", "service": "xử lý yêu cầu", "health": "lưu thông tin sức khỏe"}
_STATUSES = {"notified": "có", "granted": "đồng ý", "withdrawn": "đã rút lại"}


def _withdraw(session: Session, ctx: Context, key: str, citizen_id: int) -> tuple[str, dict[str, Any]]:
    """Withdrawal honoured at once: no more announcements, no health details kept, no words kept for training."""
    for purpose in (Purpose.service, Purpose.health):
        service.set_consent(
            session, commune_id=ctx.commune_id, conversation_id=key, channel=ctx.channel, purpose=purpose,
            status=ConsentStatus.withdrawn, citizen_id=citizen_id,
        )  # fmt: skip
    unsubscribed = subscriptions.unsubscribe(session, conversation_id=key) is not None
    reviews = erasure.delete_rows(session, NluReview, NluReview.conversation_id == key)
    upcoming = Appointment.conversation_id == key, Appointment.status.in_(UPCOMING)
    for appointment in session.scalars(select(Appointment).where(*upcoming)):  # "no notices any more": no reminders
        appointment.reminded_day_at = appointment.reminded_soon_at = utcnow()
    health_cases = 0
    for case in session.scalars(
        select(Case).where(Case.citizen_id == citizen_id, Case.kind == Kind.consultation.value)
    ):
        case.description = erasure.MARKER
        for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)):
            if (entry.actor_type == "citizen" or entry.kind == "doctor_note") and entry.body:
                entry.body, entry.data = erasure.MARKER, {}
        health_cases += 1
    parts = ["đã dừng nhận thông báo" if unsubscribed else "không có đăng ký nhận thông báo"]
    if health_cases:
        parts.append(f"đã xóa nội dung sức khỏe của {health_cases} cuộc tư vấn")
    outcome = {"unsubscribed": int(unsubscribed), "review_rows_deleted": int(reviews), "health_cases": health_cases}
    return WITHDRAWN.format(summary="; ".join(parts)), outcome


def _erase_or_forward(session: Session, ctx: Context, key: str, citizen_id: int) -> Turn | Erasure:
    """Carried out at once unless a case is still being handled: then staff get the request (the law lets the
    commune keep what it needs to finish the case) and the citizen is told so."""
    open_cases = list(
        session.scalars(
            select(Case.code).where(Case.citizen_id == citizen_id, Case.status.in_([s.value for s in OPEN_STATUSES]))
        )
    )
    if not open_cases:
        return Erasure(citizen_id)
    service.record_request(
        session, commune_id=ctx.commune_id, citizen_id=citizen_id, kind=RequestKind.erasure,
        channel=ctx.channel, status="forwarded", outcome={"open_cases": open_cases},
    )  # fmt: skip
    text = FORWARDED.format(n=len(open_cases), codes=", ".join(open_cases))
    return Turn(ROUTE, reply(session, ctx, key, text, kind=ROUTE), not ctx.inline)


def erase(app: FastAPI, ctx: Context, message: InboundMessage, erasure: Erasure) -> Turn:
    """The erasure (one transaction for every row, then the files), then its answer. The inbound event of this very
    message goes with the rest: nothing is left to mark done."""
    factory: sessionmaker[Session] = app.state.sessionmaker
    _, erased = erase_and_record(
        factory, app.state.settings.data_dir, commune_id=ctx.commune_id, citizen_id=erasure.citizen_id,
        channel=ctx.channel,
    )  # fmt: skip
    summary = (
        f"{erased.inbound_events_deleted} tin nhắn, {erased.cases_anonymised} hồ sơ được ẩn danh, "
        f"{erased.files_deleted} tệp ảnh, {erased.subscriptions_deleted} đăng ký nhận tin"
    )
    with write_transaction(factory) as session:
        replies = reply(session, ctx, message.conversation_id, ERASED.format(summary=summary), kind=ROUTE)
    return Turn(ROUTE, replies, not ctx.inline)
