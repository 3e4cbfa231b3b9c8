"""Explicit consent before health details are stored in a consultation, and its withdrawal honoured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.consent import WITHHELD_TEXT
from api.cases.models import Case
from api.db import transaction
from api.inbox_events.models import InboxEvent
from api.nlu import capture
from api.nlu.models import NluReview, Reason
from api.privacy.erasure import MARKER

SENDER = "consentsender00001"
CONV = f"web:xa-demo:{SENDER}"
HEALTH = "con tôi bị hen suyễn, đang dùng thuốc xịt"


def _stored(app: FastAPI, code: str) -> str:
    with transaction(app.state.sessionmaker) as session:
        return str(session.scalar(select(Case.description).where(Case.code == code)))


def test_health_details_wait_for_consent_and_go_when_it_is_withdrawn(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]]
) -> None:
    consult: dict[str, Any] = {"kind": "consultation", "category": None, "channel": "web", "conversation_id": CONV}
    before = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, before) == WITHHELD_TEXT  # no consent yet: the case exists, its health text was never kept
    emergency = file_case(**consult, title="KHẨN CẤP", description=HEALTH, priority="urgent")["code"]
    assert _stored(app, emergency) == HEALTH  # protecting life: the law's exception, stored as told

    replies = client.post("/webhooks/web", json={"sender": SENDER, "message": "Đồng ý lưu thông tin sức khỏe"}).json()
    assert any("đồng ý lưu thông tin sức khỏe" in r["text"] for r in replies)
    after = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, after) == HEALTH

    client.post("/webhooks/web", json={"sender": SENDER, "message": "rút lại đồng ý"})
    assert _stored(app, after) == MARKER and _stored(app, emergency) == MARKER  # no health details kept
    again = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, again) == WITHHELD_TEXT


def test_after_withdrawal_the_review_inbox_keeps_none_of_the_citizens_words(app: FastAPI, client: TestClient) -> None:
    def keep(sender: str, inbox_id: int) -> None:  # what the capture hook stores for a turn Rasa was unsure of
        capture._store(
            app.state.sessionmaker, commune_id=1, inbox_id=inbox_id, conversation_id=f"web:xa-demo:{sender}",
            text="cho hỏi cái này", parse={"intent": {"name": "greet", "confidence": 0.2}},
            reason=Reason.low_confidence, consent=app.state.review_consent,
        )  # fmt: skip

    client.post("/webhooks/web", json={"sender": "reviewwithdrawn01", "message": "rút lại đồng ý"})
    with transaction(app.state.sessionmaker) as session:
        events = dict(session.execute(select(InboxEvent.conversation_id, InboxEvent.id)).all())
    keep("reviewwithdrawn01", events["web:xa-demo:reviewwithdrawn01"])
    client.post("/webhooks/web", json={"sender": "reviewkept000001", "message": "xem dữ liệu của tôi"})
    with transaction(app.state.sessionmaker) as session:
        events = dict(session.execute(select(InboxEvent.conversation_id, InboxEvent.id)).all())
    keep("reviewkept000001", events["web:xa-demo:reviewkept000001"])
    with transaction(app.state.sessionmaker) as session:
        kept = set(session.scalars(select(NluReview.conversation_id)))
    assert kept == {"web:xa-demo:reviewkept000001"}
