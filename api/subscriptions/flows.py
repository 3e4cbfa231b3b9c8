"""The subscription's part of a conversation, handled in the gateway before Rasa (and before a case or a rating
prompt: "hủy nhận tin" is honoured in every state: api/conversations/decision.py).

- Zalo follow / Telegram /start: a subscription is created and the hamlet asked once, in one welcome message (buttons
  when the commune lists its hamlets); a returning follower gets the bot's greeting. Zalo unfollow ends it.
- The next message may answer the hamlet question; anything else goes on to the bot and the question is not repeated.
- Commands, accent-insensitive: "hủy nhận tin", "đăng ký nhận tin", "đổi ấp [tên]", "chủ đề", "thêm/bỏ chủ đề …".
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.communes.models import Commune
from api.conversations.local import Context, Turn, reply
from api.subscriptions import service
from api.subscriptions.commands import Command, normalise, parse_command
from api.subscriptions.hamlets import MAX_ANSWER_WORDS, Hamlet, known_hamlets, parse_hamlet
from api.subscriptions.models import ACTIVE, Subscription
from api.subscriptions.topics import EMERGENCY, TOPICS, label
from channels.base import InboundMessage

MAX_HAMLET_BUTTONS = 8
SKIP_WORDS = {"bo qua", "de sau", "khong", "thoi"}
STOP_HINT = "Nhắn “hủy nhận tin” bất cứ lúc nào để ngừng nhận."
ASK = "Anh/chị ở ấp (thôn, khu phố) nào? Chọn bên dưới hoặc nhắn tên, ví dụ “ấp 3”, để nhận đúng tin của nơi mình ở."
ASK_TYPED = "Anh/chị ở ấp (thôn, khu phố) nào? Nhắn tên, ví dụ “ấp 3”, để nhận đúng tin của nơi mình ở."


def _subscribes_on(ctx: Context, message: InboundMessage) -> bool:
    return message.kind == "follow" or (message.kind == "start" and ctx.channel == "telegram")


def _text(message: InboundMessage) -> str:
    return message.text if message.kind in ("text", "button") else ""


def concerns(session: Session, ctx: Context, message: InboundMessage) -> bool:
    """Whether the message may be about the subscription (a command, a follow, an unfollow, or a short text while
    the hamlet question is open: one indexed read, in the caller's read session). False: ``route`` would say None."""
    text = _text(message)
    command = parse_command(text) if text else None
    if command is None and not _subscribes_on(ctx, message) and message.kind != "unfollow":
        if not text or len(normalise(text).split()) > MAX_ANSWER_WORDS:
            return False
        return service.awaiting_hamlet(session, conversation_id=message.conversation_id)
    return True


def route(session: Session, ctx: Context, message: InboundMessage) -> Turn | None:
    """The turn when ``concerns`` said the message may be about the subscription, in the caller's write transaction
    (which marks the inbound event done: api/inbox/turns.py); None when, on a closer look, the conversation goes on
    as usual (what was changed stays: an unfollow's unsubscription, a hamlet question no longer waiting)."""
    text = _text(message)
    command = parse_command(text) if text else None
    commune = session.get(Commune, ctx.commune_id)
    assert commune is not None
    if message.kind == "unfollow":
        service.unsubscribe(session, conversation_id=message.conversation_id)
        return None  # the conversation flow records the event
    if _subscribes_on(ctx, message):
        replies = _welcome(session, ctx, message, commune)  # None: known already, the bot greets as usual
    elif command is not None:
        replies = _command(session, ctx, message, commune, command)
    else:
        replies = _answer(session, ctx, message, commune, text)
    return None if replies is None else Turn("subscription", replies, not ctx.inline)


def _hamlet_buttons(commune: Commune) -> list[dict[str, str]] | None:
    known = known_hamlets(commune)
    if not known or len(known) > MAX_HAMLET_BUTTONS:
        return None
    return [{"title": h.name, "payload": h.name} for h in known]


def _ask(session: Session, ctx: Context, key: str, commune: Commune, row: Subscription, lead: str = "") -> list[dict]:
    service.ask_hamlet(session, subscription=row)
    buttons = _hamlet_buttons(commune)
    text = (lead + "\n" if lead else "") + (ASK if buttons else ASK_TYPED)
    return reply(session, ctx, key, text, kind="subscription", buttons=buttons)


def _welcome(session: Session, ctx: Context, message: InboundMessage, commune: Commune) -> list[dict] | None:
    """A new follower: one message that greets, says what they will receive, and asks the hamlet (the bot's own
    greeting would be a second message; a returning follower gets the bot's greeting instead)."""
    row, new = service.subscribe(
        session, commune_id=ctx.commune_id, conversation_id=message.conversation_id, source=message.kind
    )
    if not new or row.hamlet:
        return None
    lead = (
        f"Chào anh/chị! Đây là kênh của {commune.name}: anh/chị có thể hỏi thủ tục hành chính, gửi phản ánh, kiến nghị "
        f"ngay tại đây. Anh/chị cũng sẽ nhận thông báo của xã ({', '.join(t.label for t in TOPICS.values())}). "
        f"{STOP_HINT}"
    )
    return _ask(session, ctx, message.conversation_id, commune, row, lead)


def _answer(session: Session, ctx: Context, message: InboundMessage, commune: Commune, text: str) -> list[dict] | None:
    """The reply to the hamlet question, or None (not an answer: the question is not asked again)."""
    row = service.find(session, conversation_id=message.conversation_id)
    if row is None or not row.awaiting_hamlet:
        return None
    if normalise(text) in SKIP_WORDS:
        service.stop_waiting(session, subscription=row)
        later = "Anh/chị vẫn nhận thông báo chung của cả xã. Khi muốn chọn ấp, nhắn “đổi ấp”."
        return reply(session, ctx, message.conversation_id, later, kind="subscription")
    known = known_hamlets(commune)
    hamlet = parse_hamlet(text, known, bare_number=True)
    if hamlet is None:
        named = parse_hamlet(text, [], bare_number=False) if known else None
        if named is not None:  # a hamlet the commune does not list ("Ấp 99"): ask again, naming it, with the list
            return _unknown_hamlet(session, ctx, message.conversation_id, commune, row, named.name)
        service.stop_waiting(session, subscription=row)
        return None
    return _set(session, ctx, message.conversation_id, row, hamlet)


def _unknown_hamlet(
    session: Session, ctx: Context, key: str, commune: Commune, row: Subscription, name: str
) -> list[dict]:
    buttons = _hamlet_buttons(commune)
    listed = "" if buttons else " Các ấp của xã: " + ", ".join(h.name for h in known_hamlets(commune)) + "."
    text = f"{commune.name} không có “{name}” trong danh sách ấp. Anh/chị ở ấp nào ạ?{listed}"
    return reply(session, ctx, key, text, kind="subscription", buttons=buttons)


def _set(session: Session, ctx: Context, key: str, row: Subscription, hamlet: Hamlet) -> list[dict]:
    service.set_hamlet(session, subscription=row, hamlet=hamlet)
    text = f"Đã ghi nhận: anh/chị nhận thông báo của {hamlet.name}. Nhắn “đổi ấp” khi chuyển nơi ở. {STOP_HINT}"
    if row.status != ACTIVE:
        text = f"Đã ghi nhận {hamlet.name}. Anh/chị đang không nhận tin; nhắn “đăng ký nhận tin” để nhận lại."
    return reply(session, ctx, key, text, kind="subscription")


def _topics_text(row: Subscription) -> str:
    mine = ", ".join(label(t) for t in row.topics or ()) or "—"
    others = ", ".join(t.label for k, t in TOPICS.items() if k not in (row.topics or ()))
    text = f"Anh/chị đang nhận tin: {mine}."
    if others:
        text += f" Có thể thêm: {others}."
    return text + (
        " Nhắn “thêm chủ đề y tế” hoặc “bỏ chủ đề nông nghiệp”. "
        "Tin thiên tai, khẩn cấp luôn được gửi khi anh/chị còn nhận tin."
    )


def _command(session: Session, ctx: Context, message: InboundMessage, commune: Commune, command: Command) -> list[dict]:
    key = message.conversation_id
    if command.action == "unsubscribe":
        service.unsubscribe(session, conversation_id=key)
        text = (
            f"Anh/chị đã ngừng nhận thông báo của {commune.name} qua kênh này. "
            "Khi muốn nhận lại, nhắn “đăng ký nhận tin”."
        )
        return reply(session, ctx, key, text, kind="subscription")
    existing = service.find(session, conversation_id=key)
    if command.action == "subscribe" or existing is None:
        row, _new = service.subscribe(session, commune_id=ctx.commune_id, conversation_id=key, source="command")
    else:
        row = existing
    if command.action == "subscribe":
        if row.hamlet:
            text = f"Anh/chị đang nhận thông báo của xã cho {row.hamlet}. Nhắn “đổi ấp” để đổi. {STOP_HINT}"
            return reply(session, ctx, key, text, kind="subscription")
        done = f"Anh/chị đã đăng ký nhận thông báo của {commune.name}. {STOP_HINT}"
        return _ask(session, ctx, key, commune, row, done)
    if command.action == "change_hamlet":
        known = known_hamlets(commune)
        hamlet = parse_hamlet(command.argument, known, bare_number=True) if command.argument else None
        if hamlet is not None:
            return _set(session, ctx, key, row, hamlet)
        lead = ""
        if known and normalise(command.argument) not in ("", "ap", "thon", "xom", "khu pho", "to"):
            lead = f"Xã chưa có “{command.argument}”. Các ấp của xã: {', '.join(h.name for h in known)}."
        return _ask(session, ctx, key, commune, row, lead)
    if command.action in ("topic_add", "topic_remove") and command.topic:
        topics = list(row.topics or ())
        if command.action == "topic_add" and command.topic not in topics:
            topics.append(command.topic)
        if command.action == "topic_remove" and command.topic != EMERGENCY:
            topics = [t for t in topics if t != command.topic]
        service.set_topics(session, subscription=row, topics=topics)
    text = _topics_text(row)
    if command.action == "status":
        where = row.hamlet or "cả xã (chưa chọn ấp)"
        state = "đang nhận" if row.status == ACTIVE else "đã ngừng nhận"
        text = f"Anh/chị {state} thông báo của {commune.name} cho {where}. " + text
    return reply(session, ctx, key, text, kind="subscription")
