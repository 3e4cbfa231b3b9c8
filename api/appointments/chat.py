"""The citizen's side of an appointment in the chat, handled in the gateway before Rasa (no model retrain needed):
"đổi lịch" and "hủy hẹn" (with or without diacritics, anywhere in a short message) while the citizen has an
appointment to come, then the answer to the question asked (confirm the cancellation, the new time).

Anything else goes on to the bot as usual; an unrelated answer closes the open question. The inbox
(``api/inbox/turns.py``) asks here when ``api/conversations/decision.py`` chooses the appointment, opens the
transaction and marks the inbound event done with the answer; this module imports no inbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from api.appointments import service, texts
from api.appointments.models import Appointment
from api.appointments.parse import CLOSED, OK, PAST, read_time
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.conversations.local import Context, Turn, reply
from api.db import utcnow
from api.subscriptions.commands import normalise
from channels.base import InboundMessage

ROUTE = "appointment"
MAX_WORDS = 16
CANCEL = ("huy hen", "huy lich", "huy lich hen", "huy buoi tu van", "huy tu van", "khong tu van nua", "/huyhen")
RESCHEDULE = ("doi lich", "doi hen", "doi gio hen", "hen lai", "dat lai lich", "doi ngay hen", "/doilich")
YES = {"co", "dong y", "xac nhan", "xac nhan huy", "xac nhan huy hen", "huy", "ok", "u", "uh", "vang", "da", "co huy"}
KEEP = {"khong", "ko", "k", "giu lich", "giu lich hen", "giu lich cu", "giu nguyen", "thoi", "khong huy", "khong doi"}
CONFIRM_CANCEL = [
    {"title": "Xác nhận hủy hẹn", "payload": "Xác nhận hủy hẹn"},
    {"title": "Giữ lịch", "payload": "Giữ lịch"},
]
KEEP_BUTTON = {"title": "Giữ lịch cũ", "payload": "Giữ lịch cũ"}
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Command:
    action: str  # cancel | reschedule


def parse_command(text: str) -> Command | None:
    folded = normalise(text)
    if not folded or len(folded.split()) > MAX_WORDS:
        return None
    padded = f" {folded} "
    if any(f" {p} " in padded for p in CANCEL):
        return Command("cancel")
    if any(f" {p} " in padded for p in RESCHEDULE):
        return Command("reschedule")
    return None


def _text(message: InboundMessage) -> str:
    return message.text if message.kind in ("text", "button") else ""


def has_open_question(session: Session, *, conversation_id: str) -> bool:
    """The citizen was asked something about their appointment (cancel? which new time?) and may be answering."""
    return service.awaiting(session, conversation_id=conversation_id, now=utcnow()) is not None


def answer(session: Session, ctx: Context, message: InboundMessage, command: Command | None) -> Turn | None:
    """The appointment's answer, in the caller's write transaction (which marks the inbound event done:
    api/inbox/turns.py); None when the message is not about it after all (what was changed stays: the open question
    closed). ``command``: ``parse_command``'s reading, None for the answer to an open question."""
    key, text, now = message.conversation_id, _text(message), utcnow()
    commune = session.get(Commune, ctx.commune_id)
    calendar = WorkCalendar.for_commune(commune)
    open_question = service.awaiting(session, conversation_id=key, now=now)
    appointment = open_question or service.upcoming(session, conversation_id=key, now=now)
    if appointment is None:
        return None  # no appointment to come: "đổi lịch" is the bot's to answer
    said = _answer(session, appointment, command, normalise(text), text, calendar, now)
    if said is None:
        service.ask(appointment, question=None, now=now)  # another subject: the question is closed
        return None
    reply_text, buttons = said
    replies = reply(session, ctx, key, reply_text, kind=ROUTE, buttons=buttons)
    return Turn(ROUTE, replies, not ctx.inline)


Said = tuple[str, list[dict[str, str]] | None]


def _answer(
    session: Session, appointment: Appointment, command: Command | None, folded: str, text: str,
    calendar: WorkCalendar, now: datetime,
) -> Said | None:  # fmt: skip
    question = appointment.awaiting
    if folded in KEEP and question is not None:
        service.ask(appointment, question=None, now=now)
        return f"Dạ, em giữ nguyên lịch hẹn: {texts.when_words(appointment.starts_at, calendar)}.", None
    if question == "cancel" and (folded in YES or (command is not None and command.action == "cancel")):
        service.cancel(session, appointment=appointment, now=now, actor_type="citizen")
        return "Dạ, em đã hủy lịch tư vấn từ xa của anh/chị. Khi cần, anh/chị cứ nhắn “đặt lịch tư vấn” ạ.", None
    if command is not None and command.action == "cancel":
        service.ask(appointment, question="cancel", now=now)
        when = texts.when_words(appointment.starts_at, calendar)
        return f"Anh/chị muốn hủy lịch tư vấn từ xa ({when}) phải không ạ?", CONFIRM_CANCEL
    if command is not None or question == "reschedule":
        return _reschedule(session, appointment, text, calendar, now, asked=question == "reschedule")
    return None


def _reschedule(
    session: Session, appointment: Appointment, text: str, calendar: WorkCalendar, now: datetime, *, asked: bool
) -> Said | None:
    reading = read_time(text, now=now, calendar=calendar)
    if reading.status == OK and reading.at is not None:
        service.set_time(
            session, appointment=appointment, at=reading.at, calendar=calendar, now=now, actor_type="citizen"
        )
        return (
            f"Dạ, em đã đổi lịch tư vấn từ xa sang {texts.when_words(reading.at, calendar)}. Đến giờ, anh/chị bấm vào "
            f"đường dẫn để gọi video với cán bộ y tế: {appointment.video_url}",
            None,
        )
    if asked and reading.status not in (PAST, CLOSED) and not _DIGIT.search(text):
        return None  # not a time at all: the citizen moved on
    service.ask(appointment, question="reschedule", now=now)
    buttons = [*suggestions(calendar, now), KEEP_BUTTON]
    if reading.status == PAST:
        lead = "Dạ, thời gian đó đã qua. "
    elif reading.status == CLOSED:
        lead = f"Dạ, {texts.when_words(reading.at, calendar)} ngoài giờ làm việc của trạm y tế. "
    elif asked:
        lead = "Dạ, em chưa hiểu thời gian anh/chị chọn. "
    else:
        lead = f"Dạ, lịch hiện tại của anh/chị: {texts.when_words(appointment.starts_at, calendar)}. "
    return lead + f"Anh/chị muốn đổi sang lúc nào? Chọn bên dưới hoặc nhắn, {texts.EXAMPLES}.", buttons


def suggestions(calendar: WorkCalendar, now: datetime, count: int = 3) -> list[dict[str, str]]:
    """The next open mornings and afternoons from tomorrow on, as buttons whose payload the parser reads back."""
    found: list[dict[str, str]] = []
    day = calendar.local(now).date()
    for offset in range(1, 15):
        for hour in (8, 14):
            moment = datetime.combine(day + timedelta(days=offset), time(hour), calendar.tz)
            if calendar.is_open(moment):
                found.append({"title": texts.when_words(moment, calendar)[:-5], "payload": f"{moment:%H:%M %d/%m/%Y}"})
            if len(found) == count:
                return found
    return found
