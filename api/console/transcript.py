"""A conversation as an officer reads it: the citizen's messages, the bot's answers and staff replies, in order.

Built from what the gateway already stores, nothing new: inbound events (re-read through their channel's parser, so
a button tap shows as the button's title and a shared location as a map link), the bot's replies to the web widget
(kept on the event) and every outbound message (bot, staff and notices alike, from the outbox).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.conversations.messages import map_link
from api.dossiers.models import DossierLookup
from api.dossiers.statuses import STAGE_LABELS, Stage
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from channels import registry
from channels.base import InboundMessage

MAX_TURNS = 200
_MEDIA_LABELS = {"image": "[ảnh]", "file": "[tệp]", "sticker": "[nhãn dán]", "location": "[vị trí]"}
_SYSTEM_KINDS = frozenset({"notification", "rating_request", "announcement", "overdue", "dossier_status"})
_LOOKUP_BY = {
    "code": "theo mã",
    "phone": "theo số điện thoại của kênh",
    "watch": "kiểm tra định kỳ (theo dõi)",
    "subscribe": "khi đăng ký báo thay đổi",
}
_LOOKUP_OUTCOMES = {"not_found": "không tìm thấy", "unavailable": "hệ thống một cửa không trả lời",
                    "unsupported": "xã chưa kết nối hệ thống một cửa"}  # fmt: skip


def _lookup_turn(row: DossierLookup) -> TranscriptTurn:
    """A dossier lookup from this conversation (api/dossiers/), as staff read it on the transcript."""
    outcome = _LOOKUP_OUTCOMES.get(row.outcome) or (
        STAGE_LABELS[Stage(row.outcome)] if row.outcome in Stage.__members__ else row.outcome
    )
    source = " (dữ liệu mẫu)" if row.source == "demo" else ""
    code = f" {row.code}" if row.code else ""
    return TranscriptTurn(
        _aware(row.created_at),
        "system",
        f"Tra cứu hồ sơ một cửa{code} {_LOOKUP_BY.get(row.by, row.by)}{source}: {outcome}",
    )


@dataclass(frozen=True)
class TranscriptTurn:
    at: datetime
    who: str  # citizen | bot | staff | system
    text: str
    buttons: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    map_url: str | None = None
    delivery: str | None = None  # outbound: pending | sending | sent | failed …


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _inbound(event: InboxEvent, commune_slug: str) -> list[InboundMessage]:
    try:
        payload = json.loads(event.raw)
        messages = registry.get(event.channel).parse(payload, commune=commune_slug)
    except Exception:  # a payload this version cannot read again: show what we can, never fail the page
        return []
    return [m for m in messages if m.conversation_id == event.conversation_id]


def _button_titles(replies: list[dict[str, Any]] | None) -> dict[str, str]:
    titles: dict[str, str] = {}
    for reply in replies or []:
        for button in reply.get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") and button.get("title"):
                titles[str(button["payload"])] = str(button["title"])
    return titles


def _citizen_turn(message: InboundMessage, at: datetime, titles: dict[str, str]) -> TranscriptTurn | None:
    if message.kind in ("follow", "unfollow", "start"):
        label = {"follow": "(quan tâm OA)", "unfollow": "(bỏ quan tâm OA)", "start": "(bắt đầu trò chuyện)"}
        return TranscriptTurn(at, "system", label[message.kind])
    text = message.text
    if text in titles:
        text = f"▸ {titles[text]}"  # a button tap, shown as the button the citizen saw
    elif text.startswith("/"):
        text = "▸ (bấm nút)"
    url = None
    if message.latitude is not None and message.longitude is not None:
        url = map_link(message.latitude, message.longitude)
    if not text:
        text = _MEDIA_LABELS.get(message.kind, "")
    return TranscriptTurn(at, "citizen", text, attachments=list(message.attachments), map_url=url)


def transcript(
    session: Session, *, conversation_id: str, commune_slug: str, limit: int = MAX_TURNS
) -> list[TranscriptTurn]:
    events = session.scalars(
        select(InboxEvent)
        .where(InboxEvent.conversation_id == conversation_id)
        .order_by(InboxEvent.id.desc())
        .limit(limit)
    ).all()
    outbound = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.conversation_id == conversation_id)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    turns: list[tuple[datetime, int, TranscriptTurn]] = []
    titles: dict[str, str] = {}
    for row in reversed(outbound):
        titles.update(_button_titles([{"buttons": row.buttons}]))
    for event in reversed(events):
        received = _aware(event.received_at)
        for message in _inbound(event, commune_slug):
            turn = _citizen_turn(message, received, titles)
            if turn is not None:
                turns.append((received, 0, turn))
        if event.channel == "web" and event.response:  # the widget's answers travel in the HTTP response
            titles.update(_button_titles(event.response))
            answered = _aware(event.processed_at or event.received_at)
            for reply in event.response:
                buttons = [str(b.get("title")) for b in reply.get("buttons") or [] if isinstance(b, dict)]
                if reply.get("text") or buttons:
                    turns.append((answered, 1, TranscriptTurn(answered, "bot", str(reply.get("text") or ""), buttons)))
    for row in outbound:
        who = "staff" if row.kind == "staff_reply" else "bot"
        if row.kind.startswith("case_") or row.kind in _SYSTEM_KINDS:
            who = "system"
        buttons = [str(b.get("title")) for b in row.buttons or [] if isinstance(b, dict)]
        at = _aware(row.created_at)
        image = [row.image_url] if row.image_url else []
        turns.append((at, 2, TranscriptTurn(at, who, row.text, buttons, image, delivery=row.status)))
    lookups = session.scalars(
        select(DossierLookup)
        .where(DossierLookup.conversation_id == conversation_id)
        .order_by(DossierLookup.id.desc())
        .limit(limit)
    ).all()
    for lookup in lookups:
        turn = _lookup_turn(lookup)
        turns.append((turn.at, 3, turn))
    turns.sort(key=lambda item: (item[0], item[1]))
    return [turn for _, _, turn in turns][-limit:]
