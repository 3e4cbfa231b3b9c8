"""What every answer the gateway gives by itself shares: the turn's ``Context``, its result (``Turn``) and ``reply``
(inline for the web request, else through the outbox). The answers are the features' (safety, privacy, appointments,
subscriptions) and the inbox's own (api/inbox/answers.py: staff-owned messages, ratings, going back to the bot)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.outbox.service import enqueue_message


@dataclass(frozen=True)
class Context:
    inbox_id: int
    commune_id: int
    commune_slug: str
    channel: str
    inline: bool  # the web request answers in its response instead of through the outbox


@dataclass(frozen=True)
class Turn:
    route: str  # rasa | case | rating | comment | back_to_bot | contact | none | busy (safety adds: emergency)
    replies: list[dict[str, Any]]
    queued: bool  # something was written to the outbox
    noticed: bool = False  # the first-contact privacy notice was seen to already (api/privacy/chat.py)


def reply(
    session: Session,
    ctx: Context,
    conversation_id: str,
    text: str,
    *,
    kind: str,
    buttons: list[dict[str, str]] | None = None,
) -> list[dict[str, Any]]:
    if ctx.inline:
        inline: dict[str, Any] = {"recipient_id": conversation_id, "text": text}
        if buttons:
            inline["buttons"] = buttons
        return [inline]
    enqueue_message(
        session, commune_id=ctx.commune_id, conversation_id=conversation_id, text=text, buttons=buttons, kind=kind
    )
    return []
