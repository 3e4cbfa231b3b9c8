"""Short messages to the citizen about their case, queued to the outbox inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.cases.catalog import Status, status_label
from api.cases.creation import INSERT_TIMELINE, CommuneRef, CreatedCase
from api.cases.models import Case, TimelineEntry
from api.conversations.states import rating_payload
from api.db import utcnow
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message, enqueue_message_row


# The payload is the bare digit, the same thing a citizen would type, so every channel parses it alike.
def rating_buttons(case_id: int) -> list[dict[str, str]]:
    """Five buttons whose payload names the case (api/conversations/states.py reads it in every state)."""
    return [{"title": f"{n} ⭐", "payload": rating_payload(case_id, n)} for n in (5, 4, 3, 2, 1)]


def _send(
    session: Session, case: Case, text: str, *, kind: str, buttons: list[dict[str, str]] | None = None
) -> OutboxMessage | None:
    if not case.conversation_id:
        return None  # filed without a chat channel (Open311, staff): nothing to deliver to
    return enqueue_message(
        session,
        commune_id=case.commune_id,
        conversation_id=case.conversation_id,
        text=text,
        buttons=buttons,
        case_id=case.id,
        kind=kind,
        # What a Zalo ZNS template may show when the citizen is outside Zalo's window (api/outbox/zalo_reach.py).
        context={"case_code": case.code, "status": status_label(case.status), "text": text},
    )


def _record(session: Session, case: Case, message: OutboxMessage | None, body: str) -> None:
    if message is not None:
        session.add(
            TimelineEntry(
                case_id=case.id,
                kind="notification",
                actor_type="system",
                body=body,
                is_public=True,
                outbox_message_id=message.id,
            )
        )


def notify_received(session: Session, *, case: CreatedCase, commune: CommuneRef) -> None:
    """The first notice, written in SQLAlchemy Core with the case (the bot's hot path): outbox row + timeline."""
    if not case.conversation_id:
        return
    where = case.department.name if case.department else "bộ phận tiếp nhận của xã"
    text = (
        f"{commune.name} đã tiếp nhận yêu cầu của anh/chị, mã hồ sơ {case.code}: “{case.title}”. "
        f"Đơn vị xử lý: {where}. Thời hạn dự kiến: {commune.calendar.due_in_words(case.due_at)}. "
        f"Anh/chị có thể nhắn “tra cứu {case.code}” để xem tình trạng."
    )
    connection = session.connection()
    message_id = enqueue_message_row(
        session,
        commune_id=case.commune_id,
        conversation_id=case.conversation_id,
        text=text,
        case_id=case.id,
        kind="case_received",
        context={"case_code": case.code, "status": status_label(Status.new.value), "text": text},
    )
    connection.execute(
        INSERT_TIMELINE,
        {
            "case_id": case.id,
            "kind": "notification",
            "actor_type": "system",
            "actor_staff_id": None,
            "body": text,
            "is_public": True,
            "data": {},
            "outbox_message_id": message_id,
            "created_at": utcnow(),
        },
    )


def notify_assigned(session: Session, *, case: Case) -> None:
    where = case.department.name if case.department else "cán bộ phụ trách"
    text = f"Hồ sơ {case.code} của anh/chị đã được chuyển đến {where} để xử lý."
    _record(session, case, _send(session, case, text, kind="case_assigned"), text)


def notify_in_progress(session: Session, *, case: Case) -> None:
    text = f"Hồ sơ {case.code} của anh/chị đang được cán bộ xử lý. Xã sẽ báo lại khi có kết quả."
    _record(session, case, _send(session, case, text, kind="case_in_progress"), text)


def notify_resolved(session: Session, *, case: Case, note: str) -> None:
    text = f"Hồ sơ {case.code} đã được giải quyết. Kết quả: {note}"
    _record(session, case, _send(session, case, text, kind="case_resolved"), text)
    ask = (
        f"Anh/chị có hài lòng với kết quả xử lý hồ sơ {case.code} không? Hãy chấm điểm từ 1 (rất không hài lòng) "
        "đến 5 (rất hài lòng); anh/chị có thể nhắn thêm góp ý."
    )
    asked = _send(session, case, ask, kind="rating_request", buttons=rating_buttons(case.id))
    if asked is not None:
        case.rating_requested_at = asked.created_at
        _record(session, case, asked, ask)


def notify_rejected(session: Session, *, case: Case, note: str) -> None:
    text = f"Hồ sơ {case.code} không được tiếp nhận xử lý. Lý do: {note}"
    _record(session, case, _send(session, case, text, kind="case_rejected"), text)


def notify_duplicate(session: Session, *, case: Case, target: Case) -> None:
    text = (
        f"Hồ sơ {case.code} trùng với hồ sơ {target.code} đang được xử lý; kết quả sẽ được giải quyết chung "
        f"theo hồ sơ {target.code}."
    )
    _record(session, case, _send(session, case, text, kind="case_duplicate"), text)


def send_public_reply(session: Session, *, case: Case, text: str, officer: str | None = None) -> OutboxMessage | None:
    """A staff reply, signed with the officer's name so the citizen knows a person answered."""
    signed = f"{text}\n— {officer}, cán bộ UBND xã (hồ sơ {case.code})" if officer else text
    if case.code in text:  # the reply names the case already (the canned ones do): the code is not said twice
        signed = signed.removesuffix(f" (hồ sơ {case.code})")
    return _send(session, case, signed, kind="staff_reply")
