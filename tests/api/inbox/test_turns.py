"""The conversation row through real turns (api/inbox/turns.py), on SQLite and PostgreSQL: created on the first
message, kept in step with its cases (handoff opened and ended, rating asked and given), and deciding who answers.
Bot turns are cut before the Rasa call (``route_locally`` returns None and the turn is finished as Rasa would): these
tests are about the row."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.models import Case, TimelineEntry
from api.communes.models import Commune
from api.conversations.models import Conversation, State
from api.conversations.states import rating_payload
from api.db import transaction
from api.inbox import service as inbox
from api.inbox import turns as flows
from api.inbox.turns import Context, Turn, route_locally
from api.outbox.models import OutboxMessage
from channels.base import InboundMessage
from tests.api.cases.conftest import SERVICE, Member, case_body

_ids = itertools.count(1)
SUNDAY_9AM = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
NATIONAL_DAY = datetime(2026, 9, 2, 3, 0, tzinfo=UTC)


class Chat:
    """One citizen's conversation on the web channel, turn by turn through ``route_locally``."""

    def __init__(self, app: FastAPI, commune_id: int) -> None:
        self.app, self.commune_id = app, commune_id
        self.key = f"web:xa-demo:citizen{next(_ids):08d}"

    def say(self, text: str, kind: str = "text") -> Turn | None:
        factory = self.app.state.sessionmaker
        event = f"m{next(_ids)}"
        stored = inbox.store_event(
            factory,
            commune_id=self.commune_id,
            channel="web",
            event_id=event,
            conversation_id=self.key,
            raw=json.dumps({"sender": self.key, "message": text}),
            claim_now=True,
        )
        message = InboundMessage(event_id=event, conversation_id=self.key, user_id=self.key, kind=kind, text=text)
        turn = route_locally(factory, Context(stored.id, self.commune_id, "xa-demo", "web", inline=True), message)
        if turn is None:  # Rasa's turn: finished the way flows.to_rasa finishes it
            flows._finish_rasa(factory, Context(stored.id, self.commune_id, "xa-demo", "web", True), message, [])
        return turn

    def row(self) -> Conversation:
        with self.app.state.sessionmaker() as session:
            found = session.scalar(select(Conversation).where(Conversation.conversation_id == self.key))
            assert found is not None
            return found

    def file(self, client: TestClient, **overrides: Any) -> dict[str, Any]:
        body = case_body(conversation_id=self.key, channel="web", **overrides)
        response = client.post("/api/v1/internal/cases", json=body, headers=SERVICE)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
def chat(app: FastAPI) -> Callable[[], Chat]:
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
    assert commune_id is not None
    return lambda: Chat(app, commune_id)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    def set_now(moment: datetime) -> None:
        monkeypatch.setattr(flows, "utcnow", lambda: moment)

    yield set_now


def resolve(client: TestClient, staff: Member, code: str) -> None:
    response = client.post(
        f"/api/v1/cases/{code}/status", json={"status": "resolved", "note": "Đã xử lý xong."}, headers=staff.headers
    )
    assert response.status_code == 200, response.text


def case(app: FastAPI, code: str) -> Case:
    with app.state.sessionmaker() as session:
        found = session.scalar(select(Case).where(Case.code == code))
        assert found is not None
        return found


def working_monday_9am_after(moment: datetime) -> datetime:
    """09:00 in Vietnam on the first Monday after ``moment`` that is not a public holiday."""
    import holidays

    day = moment.astimezone(VIETNAM).date() + timedelta(days=1)
    while day.weekday() != 0 or day in holidays.country_holidays("VN", years=day.year):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0), tzinfo=VIETNAM).astimezone(UTC)


def handoff(client: TestClient, c: Chat) -> dict[str, Any]:
    return c.file(client, kind="handoff", category=None, title="Người dân đề nghị gặp cán bộ")


def test_created_on_the_first_message_in_bot_state(chat: Callable[[], Chat]) -> None:
    c = chat()
    assert c.say("xin chào") is None  # Rasa answers the greeting; opening a chat makes no row yet (issue 26)
    with c.app.state.sessionmaker() as session:
        assert session.scalar(select(Conversation).where(Conversation.conversation_id == c.key)) is None
    assert c.say("cho hỏi thủ tục khai báo tạm trú") is None  # the first real content makes it
    row = c.row()
    assert (row.state, row.channel, row.external_id, row.commune_id) == (
        "bot",
        "web",
        c.key.split(":")[2],
        row.commune_id,
    )
    assert row.citizen_id is not None and row.last_inbound_at is not None
    assert c.say("cho hỏi thủ tục khai sinh") is None and c.row().id == row.id


def test_handoff_acknowledged_in_office_hours_once(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat], clock: Callable[[datetime], None]
) -> None:
    c = chat()
    c.say("xin chào")
    code = handoff(client, c)["code"]
    assert c.row().state == "staff" and c.row().staff_case_id == case(app, code).id
    clock(working_monday_9am_after(c.row().state_changed_at))  # after the handoff, as a citizen's next message is
    first = c.say("Nhà tôi bị lấn ranh giới đất, nhờ cán bộ xem giúp")
    assert first is not None and first.route == "case"
    (ack,) = first.replies
    assert code in ack["text"] and "đang trong giờ làm việc" in ack["text"]
    assert ack["buttons"] == [{"title": "Quay lại trợ lý ảo", "payload": "Quay lại trợ lý ảo"}]
    second = c.say("Ranh giới phía sau nhà")
    assert second is not None and second.route == "case" and second.replies == []  # not on every message
    with app.state.sessionmaker() as session:
        bodies = session.scalars(
            select(TimelineEntry.body).where(TimelineEntry.kind == "citizen_message").order_by(TimelineEntry.id)
        ).all()
    assert bodies[-2:] == ["Nhà tôi bị lấn ranh giới đất, nhờ cán bộ xem giúp", "Ranh giới phía sau nhà"]


@pytest.mark.parametrize(
    ("moment", "words"),
    [(SUNDAY_9AM, "ngày nghỉ (Chủ nhật)"), (NATIONAL_DAY, "Quốc khánh"),
     (datetime(2026, 11, 30, 14, 0, tzinfo=UTC), "ngoài giờ")],
)  # fmt: skip
def test_handoff_acknowledged_out_of_office_hours_says_when(
    client: TestClient, chat: Callable[[], Chat], clock: Callable[[datetime], None], moment: datetime, words: str
) -> None:
    c = chat()
    c.say("xin chào")
    handoff(client, c)
    clock(moment)
    turn = c.say("bố tôi cần giấy xác nhận gấp")
    assert turn is not None
    text = turn.replies[0]["text"]
    assert words in text and "sẽ trả lời anh/chị từ 7:30" in text and "115" in text


def test_staff_reply_is_signed_and_the_citizen_returns_to_the_bot(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat], admin: Member
) -> None:
    c = chat()
    c.say("xin chào")
    code = handoff(client, c)["code"]
    c.say("nhờ cán bộ xem giúp")
    sent = client.post(
        f"/api/v1/cases/{code}/replies", json={"text": "Chiều nay cán bộ gọi lại."}, headers=admin.headers
    )
    assert sent.status_code == 201, sent.text
    with app.state.sessionmaker() as session:
        reply = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_reply")).one()
    assert reply.text.startswith("Chiều nay cán bộ gọi lại.") and f"Cán bộ {admin.login}" in reply.text
    assert c.row().staff_replied_at is not None
    back = c.say("Quay lai tro ly ao")
    assert back is not None and back.route == "back_to_bot" and code in back.replies[0]["text"]
    assert c.row().state == "bot" and c.row().staff_case_id is None
    assert not case(app, code).chat_enabled and case(app, code).status == "new"  # still open for staff
    assert c.say("cho hỏi giờ làm việc") is None  # the bot answers again


def test_handoff_resolved_hands_back_to_the_bot(client: TestClient, chat: Callable[[], Chat], admin: Member) -> None:
    c = chat()
    c.say("xin chào")
    code = handoff(client, c)["code"]
    resolve(client, admin, code)
    assert c.row().state == "awaiting_rating"  # resolved cases ask for stars
    assert c.say("cảm ơn, tôi muốn hỏi thủ tục khác") is None
    assert c.row().state == "bot"


def test_an_accident_is_not_a_rating_and_a_rating_takes_its_comment(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat], admin: Member
) -> None:
    c = chat()
    c.say("xin chào")
    code = c.file(client, kind="report", title="Đèn đường hư ở ấp 3")["code"]
    resolve(client, admin, code)
    assert c.row().state == "awaiting_rating"
    assert c.say("1 người bị tai nạn bất tỉnh ở ấp 3, làm sao bây giờ") is None  # not swallowed as a rating
    assert case(app, code).rating is None
    assert c.row().state == "bot"
    payload = rating_payload(case(app, code).id, 4)  # the button still counts, in any state
    rated = c.say(payload, "button")
    assert rated is not None and rated.route == "rating" and case(app, code).rating == 4
    assert rated.replies[0]["buttons"] == [{"title": "Bỏ qua", "payload": "Bỏ qua"}]
    assert c.row().state == "awaiting_comment"
    commented = c.say("Cán bộ sửa nhanh, cảm ơn")
    assert commented is not None and commented.route == "comment"
    assert case(app, code).rating_comment == "Cán bộ sửa nhanh, cảm ơn" and c.row().state == "bot"


def test_typed_rating_then_skip_and_a_question_is_not_a_comment(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat], admin: Member
) -> None:
    c = chat()
    c.say("xin chào")
    first = c.file(client, kind="report", title="Ổ gà trước trường")["code"]
    resolve(client, admin, first)
    rated = c.say("5 sao")
    assert rated is not None and rated.route == "rating" and case(app, first).rating == 5
    skipped = c.say("Bỏ qua", "button")
    assert skipped is not None and skipped.route == "comment" and case(app, first).rating_comment is None
    second = c.file(client, kind="report", title="Rác ở chợ")["code"]
    resolve(client, admin, second)
    c.say("4")
    assert c.say("cho hỏi làm giấy khai sinh cần gì?") is None  # a question goes on to the bot
    assert case(app, second).rating == 4 and case(app, second).rating_comment is None


def test_a_pending_rating_wins_over_an_open_handoff(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat], admin: Member
) -> None:
    c = chat()
    c.say("xin chào")
    report = c.file(client, kind="report", title="Cống nghẹt")["code"]
    talk = handoff(client, c)["code"]
    resolve(client, admin, report)
    row = c.row()
    assert (row.state, row.case_id, row.staff_case_id) == ("awaiting_rating", case(app, report).id, case(app, talk).id)
    rated = c.say("4 ⭐")
    assert rated is not None and rated.route == "rating"
    assert case(app, report).rating == 4
    with app.state.sessionmaker() as session:
        on_handoff = session.scalars(select(TimelineEntry).where(TimelineEntry.case_id == case(app, talk).id)).all()
    assert not any(e.kind == "citizen_message" for e in on_handoff)  # the tap did not go onto the handoff
    c.say("Bỏ qua")
    assert c.row().state == "staff"  # the handoff beneath has the conversation again
    turn = c.say("còn việc đất đai thì sao")
    assert turn is not None and turn.route == "case"


def test_a_conversation_from_before_the_rows_takes_its_state_from_its_cases(
    app: FastAPI, client: TestClient, chat: Callable[[], Chat]
) -> None:
    c = chat()
    handoff(client, c)
    with transaction(app.state.sessionmaker) as session:  # the row as registered before its first turn (i23a)
        session.query(Conversation).filter(Conversation.conversation_id == c.key).update(
            {"state": "bot", "case_id": None, "staff_case_id": None, "citizen_id": None}
        )
    turn = c.say("alo cán bộ ơi")
    assert turn is not None and turn.route == "case" and c.row().state == State.staff.value
