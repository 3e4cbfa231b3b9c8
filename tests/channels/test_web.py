"""The web channel's REST contract: validation naming the field, the default commune, dedupe on the client's
message id, and the busy reply while Rasa is down (the test settings point Rasa at a closed port)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.conversations.messages import BUSY_TEXT
from api.inbox_events.models import InboxEvent

SENDER = "abcdef0123456789"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "xin chào"}, "sender"),
        ({"sender": "ngắn", "message": "xin chào"}, "sender"),
        ({"sender": "có dấu cách 12345", "message": "xin chào"}, "sender"),
        ({"sender": SENDER, "message": ""}, "message"),
        ({"sender": SENDER, "message": "x" * 4001}, "message"),
        ({"sender": SENDER, "message": "hi", "metadata": {"commune": ""}}, "metadata.commune"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    app: FastAPI, gateway: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await gateway.post("/webhooks/web", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    with app.state.sessionmaker() as session:
        assert session.scalars(select(InboxEvent)).all() == []


async def test_unknown_commune_is_a_404_on_metadata_commune(gateway: httpx.AsyncClient) -> None:
    body = {"sender": SENDER, "message": "xin chào", "metadata": {"commune": "xa-khong-ton-tai"}}
    response = await gateway.post("/webhooks/web", json=body)
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "metadata.commune"


async def test_rasa_down_gives_the_busy_reply_and_keeps_the_message(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    body = {"sender": SENDER, "message": "Cho hỏi thủ tục khai sinh", "metadata": {"message_id": "c-1"}}
    first = await gateway.post("/webhooks/web", json=body)
    assert first.status_code == 200
    assert first.json() == [{"recipient_id": SENDER, "text": BUSY_TEXT}]
    # The widget retries the same message id: no second turn, no second busy reply.
    again = await gateway.post("/webhooks/web", json=body)
    assert again.status_code == 200 and again.json() == []
    with app.state.sessionmaker() as session:
        [event] = session.scalars(select(InboxEvent)).all()
    assert (event.conversation_id, event.status, event.busy_notified) == (f"web:xa-demo:{SENDER}", "pending", True)


async def test_a_new_message_waits_behind_an_older_one_still_queued(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    first = {"sender": SENDER, "message": "xin chào", "metadata": {"message_id": "c-1"}}
    assert (await gateway.post("/webhooks/web", json=first)).json() == [{"recipient_id": SENDER, "text": BUSY_TEXT}]
    second = {"sender": SENDER, "message": "Cho hỏi thủ tục khai sinh", "metadata": {"message_id": "c-2"}}
    response = await gateway.post("/webhooks/web", json=second)
    # Not answered out of order, and no second busy reply: the worker answers both, in order, by push.
    assert response.status_code == 200 and response.json() == []
    other = {"sender": "zyxw9876543210", "message": "xin chào", "metadata": {"message_id": "c-3"}}
    assert (await gateway.post("/webhooks/web", json=other)).json() == [
        {"recipient_id": "zyxw9876543210", "text": BUSY_TEXT}
    ]  # another conversation is not held up
    with app.state.sessionmaker() as session:
        rows = session.scalars(select(InboxEvent).order_by(InboxEvent.id)).all()
    assert [(r.event_id, r.status, r.attempts, r.busy_notified) for r in rows] == [
        (f"{SENDER}:c-1", "pending", 1, True),
        (f"{SENDER}:c-2", "pending", 0, False),
        ("zyxw9876543210:c-3", "pending", 1, True),
    ]  # the client's message id is only unique per sender: the key includes it


async def test_demo_page_and_widget_are_served(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/")
    assert page.status_code == 200 and "UBND xã Hòa Bình" in page.text
    assert '<script src="/static/web/widget.js" data-commune="xa-demo"' in page.text
    widget = await gateway.get("/static/web/widget.js")
    assert widget.status_code == 200 and "webhooks/web/events" in widget.text
    assert "innerHTML" not in widget.text.replace("never innerHTML", "").replace("không bao giờ innerHTML", "")
