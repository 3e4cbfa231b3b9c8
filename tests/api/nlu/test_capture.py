"""The review inbox's capture on the real Rasa (issue 28): the turn's reading comes back with the turn's reply
(bot/reading.py), the gateway keeps the turn in the transaction that stores the answer, and what it keeps is what
Rasa's tracker says of that message; a button press is not kept; a Rasa without the reading keeps nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.config import Settings
from api.nlu.client import RasaTurn
from api.nlu.models import NluReview, Reason
from tests.support.gateway_fixtures import TEST_RASA_TOKEN, BotStack

TEXT = "cho em hỏi làm giấy khai sinh ở đâu"


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:  # keep every typed turn: the capture runs for real
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url, "nlu_review_threshold": 1.01})


def _kept(app: FastAPI, conversation_id: str) -> list[NluReview]:
    with app.state.sessionmaker() as session:
        rows = list(session.scalars(select(NluReview).where(NluReview.conversation_id == conversation_id)))
        session.expunge_all()
        return rows


@pytest.mark.rasa
def test_a_typed_turn_is_kept_with_the_reading_rasa_made_of_it(app: FastAPI, client: TestClient,
                                                                bot_stack: BotStack) -> None:  # fmt: skip
    sender = f"capture{uuid.uuid4().hex[:10]}"
    conversation = f"web:xa-demo:{sender}"
    answer = client.post("/webhooks/web", json={"sender": sender, "message": TEXT})
    assert answer.status_code == 200 and answer.json(), answer.text
    # Kept with the answer, in one transaction: nothing to wait for.
    [row] = _kept(app, conversation)
    tracker = httpx.get(
        f"{bot_stack.rasa.url}/conversations/{conversation}/tracker",
        params={"token": TEST_RASA_TOKEN, "include_events": "NONE"}, timeout=60,
    ).json()  # fmt: skip
    latest = tracker["latest_message"]
    fell_back = latest["intent"]["name"] == "nlu_fallback"
    assert latest["text"] == TEXT and row.text == TEXT
    assert row.reason == (Reason.fallback if fell_back else Reason.low_confidence).value
    if not fell_back:
        assert row.intent == latest["intent"]["name"]
        assert row.confidence == pytest.approx(latest["intent"]["confidence"])
    assert [r["name"] for r in row.ranking] == [r["name"] for r in latest["intent_ranking"][:4]]
    assert {(e["entity"], e["value"]) for e in row.entities} == {
        (e["entity"], str(e["value"])) for e in latest["entities"]
    }
    # A button carries its own intent: not kept.
    client.post("/webhooks/web", json={"sender": sender, "message": "/greet"})
    assert len(_kept(app, conversation)) == 1


@pytest.mark.rasa
def test_the_reading_comes_only_to_a_caller_that_asks(bot_stack: BotStack) -> None:
    """Without ``?parse=true`` Rasa's REST reply is its own (a bare list); with it, the replies and the reading."""
    url = f"{bot_stack.rasa.url}/webhooks/rest/webhook"
    body = {"sender": f"web:xa-demo:plain{uuid.uuid4().hex[:10]}", "message": "xin chào"}
    plain = httpx.post(url, json=body, params={"token": TEST_RASA_TOKEN}, timeout=60)
    assert plain.status_code == 200 and isinstance(plain.json(), list)
    body["message"] = TEXT
    asked = httpx.post(url, json=body, params={"token": TEST_RASA_TOKEN, "parse": "true"}, timeout=60)
    turn = RasaTurn.from_body(asked.json())
    assert turn.replies and turn.parse is not None
    assert turn.parse["text"] == TEXT and turn.parse["intent"]["name"]
    assert set(turn.parse) <= {"text", "intent", "entities", "intent_ranking"}


def test_a_reply_without_a_reading_keeps_nothing() -> None:
    assert RasaTurn.from_body([{"text": "Dạ"}]) == RasaTurn([{"text": "Dạ"}], None)
    assert RasaTurn.from_body({"messages": [], "parse": None}) == RasaTurn([], None)
