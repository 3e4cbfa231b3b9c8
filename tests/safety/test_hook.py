"""The safety hook at the gateway-function level, with a real database (SQLite and PostgreSQL) and Rasa stopped (the
test settings point Rasa at a closed port): every emergency sentence of the held-out sets, in every state the gateway
knows (bot, awaiting a rating, handed to staff in and out of office hours), gets the right numbers and the text of its
LABELLED situation (tests/safety/held_out_situations.yml, written by hand, never computed by the classifier under
test) in the first reply, alerts the health station, and changes nothing else; the contrast set's non-emergencies
never alarm."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.models import Case, TimelineEntry
from api.communes.service import get_commune
from api.db import transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.safety import triage
from api.safety.evaluation import contrast, emergency_sentences, numbers_in, right_number
from api.safety.guidance import guide
from tests.channels.live import handoff_body, staff_headers
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}
STATES = ("bot", "awaiting_rating", "staff_in_hours", "staff_after_hours")
WEEKDAYS = ("t2", "t3", "t4", "t5", "t6", "t7", "cn")


def office_hours(app: FastAPI, *, open_now: bool) -> None:
    """Office open around the clock today, or closed today (a day off) with one short period three days on."""
    today = (utcnow() + timedelta(hours=7)).date()
    with transaction(app.state.sessionmaker) as session:
        commune = get_commune(session, slug="xa-demo")
        if open_now:
            hours = {day: ["00:00-23:59"] for day in WEEKDAYS}
            commune.settings = {**(commune.settings or {}), "office_hours": hours, "holidays": {"work": [str(today)]}}
        else:
            later = WEEKDAYS[(today.weekday() + 3) % 7]
            holidays = {"off": [str(today)]}
            commune.settings = {
                **(commune.settings or {}),
                "office_hours": {later: ["08:00-09:00"]},
                "holidays": holidays,
            }


def say(client: TestClient, sender: str, text: str) -> list[dict[str, Any]]:
    body = {"sender": sender, "message": text, "metadata": {"message_id": uuid.uuid4().hex}}
    response = client.post("/webhooks/web", json=body)
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


def prepare(client: TestClient, staff: dict[str, str], state: str, sender: str) -> str | None:
    """Put the conversation in ``state``; the code of the case that owns it or awaits its rating."""
    if state == "bot":
        return None
    created = client.post("/api/v1/internal/cases", json=handoff_body(f"web:xa-demo:{sender}", "web"), headers=SERVICE)
    assert created.status_code == 201, created.text
    code: str = created.json()["code"]
    if state == "awaiting_rating":
        resolved = client.post(
            f"/api/v1/cases/{code}/status", json={"status": "resolved", "note": "Xong."}, headers=staff
        )
        assert resolved.status_code == 200, resolved.text
    return code


LABELS: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "held_out_situations.yml").read_text("utf-8")
)


def check_first_reply(sentence: str, first: dict[str, Any]) -> None:
    """The first reply is the alarm with the labelled situation's text and the labelled numbers, first one first."""
    label = LABELS[sentence]
    texts = [guide().situation(name).text for name in label["texts"]]
    assert first["text"].startswith("🚨") and any(t in first["text"] for t in texts), (sentence, label, first["text"])
    assert right_number(tuple(label["numbers"]), first["text"]), (sentence, label, numbers_in(first["text"]))
    assert first["text"].index(label["numbers"][0]) < 200
    assert first["buttons"][0] == {"title": f"📞 Gọi {label['numbers'][0]}", "payload": f"tel:{label['numbers'][0]}"}


def route_of(app: FastAPI, sender: str) -> str | None:
    with app.state.sessionmaker() as session:
        row = session.scalars(
            select(InboxEvent)
            .where(InboxEvent.conversation_id == f"web:xa-demo:{sender}")
            .order_by(InboxEvent.id.desc())
        ).first()
        return row.route if row else None


@pytest.mark.parametrize("state", STATES)
def test_every_held_out_emergency_gets_115_first_in_every_state(app: FastAPI, client: TestClient, state: str) -> None:
    staff = staff_headers(app)
    if state.startswith("staff"):
        office_hours(app, open_now=state == "staff_in_hours")
    sentences = sorted(LABELS)
    assert set(emergency_sentences()) <= set(sentences)  # every held-out emergency carries a hand-written label
    for sentence in sentences:
        sender = uuid.uuid4().hex
        code = prepare(client, staff, state, sender)
        replies = say(client, sender, sentence)
        check_first_reply(sentence, replies[0])
        assert "trạm y tế" in replies[1]["text"] or "cán bộ" in replies[1]["text"]
        assert route_of(app, sender) == "emergency"
        with app.state.sessionmaker() as session:
            cases = session.scalars(select(Case).where(Case.conversation_id == f"web:xa-demo:{sender}")).all()
            urgent = [c for c in cases if c.kind == "consultation" and c.priority == "urgent"]
            assert len(urgent) == 1 and urgent[0].code in replies[1]["text"], (state, sentence)
            if code is not None:
                owner = next(c for c in cases if c.code == code)
                assert owner.rating is None  # "1 người bị tai nạn…" is not a 1-star rating
                if state.startswith("staff"):  # the officer on the handoff sees it too, flagged urgent
                    notes = session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == owner.id)).all()
                    assert owner.priority == "urgent" and any(n.kind == "note" and "KHẨN CẤP" in n.body for n in notes)


def test_a_second_message_about_the_same_emergency_is_noted_not_filed_twice(app: FastAPI, client: TestClient) -> None:
    sender = uuid.uuid4().hex
    first = say(client, sender, "cứu với ba em đột quỵ rồi")
    second = say(client, sender, "ba em vẫn méo miệng, nói không được")
    assert "115" in first[0]["text"] and "115" in second[0]["text"]
    with app.state.sessionmaker() as session:
        cases = session.scalars(select(Case).where(Case.conversation_id == f"web:xa-demo:{sender}")).all()
        assert len(cases) == 1 and cases[0].code in second[1]["text"]


def test_guidance_in_a_handoff_still_reaches_the_officer(app: FastAPI, client: TestClient) -> None:
    sender = uuid.uuid4().hex
    code = prepare(client, staff_headers(app), "staff_in_hours", sender)
    replies = say(client, sender, "sơ cứu rắn cắn thế nào?")
    assert "rắn" in replies[0]["text"].lower() and replies[0]["text"].rstrip().endswith("gọi ngay 115.")
    with app.state.sessionmaker() as session:
        case = session.scalars(select(Case).where(Case.code == code)).one()
        notes = session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case.id)).all()
        assert any(n.kind == "citizen_message" and n.body == "sơ cứu rắn cắn thế nào?" for n in notes)
        assert case.priority != "urgent"


def test_a_classifier_naming_the_wrong_situation_fails_the_check(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutant (#30.2): the triage always names the poisoning text; the labelled check must catch the choking child."""
    monkeypatch.setattr(triage, "_situation", lambda *_args: "ngo_doc")
    sentence = "nuốt phải đồng xu giờ thở không được"
    replies = say(client, uuid.uuid4().hex, sentence)
    assert guide().situation("ngo_doc").text in replies[0]["text"]
    with pytest.raises(AssertionError):
        check_first_reply(sentence, replies[0])


def test_false_alarms_do_not_alarm(app: FastAPI, client: TestClient) -> None:
    """No alarm and no urgent case; a general first-aid question may get the guidance with "if it is happening now,
    call 115" (api/safety/guidance.py), never the alarm."""
    for text in [e.text for e in contrast() if not e.emergency]:
        sender = uuid.uuid4().hex  # one each: with Rasa stopped, a conversation's next message waits behind the last
        replies = say(client, sender, text)
        assert all(not (r.get("text") or "").startswith("🚨") for r in replies), text
        assert route_of(app, sender) != "emergency", text
    with app.state.sessionmaker() as session:
        assert session.scalars(select(Case).where(Case.priority == "urgent")).all() == []


def test_an_emergency_does_not_wait_behind_messages_queued_while_rasa_is_down(app: FastAPI, client: TestClient) -> None:
    sender = uuid.uuid4().hex
    busy = say(client, sender, "xin chào")  # Rasa stopped: the busy notice, the greeting waits to be retried
    assert busy and "bận" in busy[0]["text"]
    assert say(client, sender, "cho hỏi làm khai sinh") == []  # queued behind the greeting, answered in order later
    replies = say(client, sender, "cứu với ba em khó thở tím tái")
    assert replies[0]["text"].startswith("🚨") and "115" in replies[0]["text"]
    with app.state.sessionmaker() as session:
        rows = session.scalars(
            select(InboxEvent).where(InboxEvent.conversation_id == f"web:xa-demo:{sender}").order_by(InboxEvent.id)
        ).all()
        assert [(r.status, r.priority) for r in rows] == [("pending", 0), ("pending", 0), ("processed", 10)]
