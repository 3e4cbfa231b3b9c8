"""The conversation an officer reads on a case: citizen, assistant, staff and notices in order, button taps shown
as their titles, a shared location as a map link, delivery states on outgoing messages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from api.communes.models import Commune
from api.console.transcript import transcript
from api.db import transaction, utcnow
from api.inbox.models import InboxEvent
from api.outbox.models import OutboxMessage

SENDER = "transcript-citizen-01"
CONVERSATION = f"web:xa-demo:{SENDER}"


def _web_event(n: int, message: str, *, response: list[dict[str, Any]] | None = None, **metadata: object) -> InboxEvent:
    at = utcnow() - timedelta(minutes=10 - n)
    payload = {
        "sender": SENDER,
        "message": message,
        "metadata": {"commune": "xa-demo", "message_id": f"m{n}", **metadata},
    }
    return InboxEvent(
        commune_id=1,
        channel="web",
        event_id=f"{SENDER}:m{n}",
        conversation_id=CONVERSATION,
        raw=json.dumps(payload),
        status="done",
        route="rasa",
        response=response,
        received_at=at,
        processed_at=at + timedelta(milliseconds=300),
    )


def test_the_whole_conversation_in_order_with_buttons_as_titles(app: FastAPI) -> None:
    menu = [{"text": "Dạ anh/chị hỏi thủ tục nào ạ?", "buttons": [{"title": "Khai sinh", "payload": "/khai_sinh"}]}]
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
        assert commune_id is not None
        for event in (
            _web_event(1, "cho em hỏi làm giấy tờ", response=menu),
            _web_event(2, "/khai_sinh", response=[{"text": "Hồ sơ khai sinh gồm: tờ khai, giấy chứng sinh."}]),
            _web_event(3, "cho gặp cán bộ"),
        ):
            event.commune_id = commune_id
            session.add(event)
        session.add(
            OutboxMessage(
                commune_id=commune_id,
                conversation_id=CONVERSATION,
                channel="web",
                kind="staff_reply",
                text="Chào anh, em là cán bộ tư pháp.",
                status="sent",
                created_at=utcnow(),
            )
        )
    with app.state.sessionmaker() as session:
        turns = transcript(session, conversation_id=CONVERSATION, commune_slug="xa-demo")
    assert [(t.who, t.text) for t in turns] == [
        ("citizen", "cho em hỏi làm giấy tờ"),
        ("bot", "Dạ anh/chị hỏi thủ tục nào ạ?"),
        ("citizen", "▸ Khai sinh"),
        ("bot", "Hồ sơ khai sinh gồm: tờ khai, giấy chứng sinh."),
        ("citizen", "cho gặp cán bộ"),
        ("staff", "Chào anh, em là cán bộ tư pháp."),
    ]
    assert turns[1].buttons == ["Khai sinh"] and turns[-1].delivery == "sent"
