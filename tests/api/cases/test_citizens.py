"""Citizen contacts: masked in lists, complete for the commune's staff, exportable and erasable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.cases.models import Case
from api.cases.service import find_case_awaiting_rating, record_citizen_message
from api.citizens.service import get_or_create_citizen
from api.communes.service import get_commune
from api.conversations import service as conversations
from api.conversations.models import Conversation
from api.inbox_events.models import InboxEvent
from tests.api.cases.conftest import SERVICE, Member

CONV = "zalo:xa-demo:84912345678"


def test_list_is_masked_detail_is_not(
    client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member
) -> None:
    file_case(conversation_id=CONV, contact_name="Nguyễn Văn An", contact_phone="0909 123 456")
    listing = client.get("/api/v1/citizens", headers=admin.headers).json()
    assert listing["total"] == 1
    item = listing["items"][0]
    assert item["display_name"] == "Nguyễn V. A." and item["phone"] == "090****456"
    assert "84912345678" not in str(item)
    detail = client.get(f"/api/v1/citizens/{item['id']}", headers=admin.headers).json()
    assert detail["display_name"] == "Nguyễn Văn An" and detail["phone"] == "0909123456"
    cases = client.get("/api/v1/cases", headers=admin.headers).json()["items"]
    assert cases[0]["contact_name"] == "Nguyễn V. A."


def test_export_then_erase(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member
) -> None:
    code = file_case(conversation_id=CONV, contact_name="Trần Thị Bé", contact_phone="0912000111")["code"]
    with app.state.sessionmaker.begin() as session:
        case = session.scalar(select(Case).where(Case.code == code))
        assert case is not None
        record_citizen_message(session, case=case, text="Nhà tôi ở số 12, gọi tôi nhé")
        assert find_case_awaiting_rating(session, conversation_id=CONV) is None
        citizen_id = case.citizen_id
        conversations.create(session, conversation_id=CONV, commune_id=case.commune_id, citizen_id=citizen_id)
        session.add(InboxEvent(commune_id=case.commune_id, channel="zalo", event_id="e1", conversation_id=CONV,
                               raw='{"message": {"text": "Nhà tôi ở số 12"}}', status="processed"))  # fmt: skip
    export = client.get(f"/api/v1/citizens/{citizen_id}/export", headers=admin.headers)
    assert export.status_code == 200
    data = export.json()
    assert data["citizen"]["phone"] == "0912000111" and data["cases"][0]["code"] == code
    assert any("số 12" in m["text"] for m in data["cases"][0]["messages"])

    erased = client.delete(f"/api/v1/citizens/{citizen_id}/personal-data", headers=admin.headers)
    # The case's three entries (filing, the citizen's message, the rating request…) lose their text; the
    # conversation row the bot routed by goes (issue 30: erasure deletes the citizen's conversation rows).
    assert erased.status_code == 200 and erased.json()["messages_scrubbed"] >= 2
    assert erased.json()["removed"]["conversations_deleted"] == 1
    with app.state.sessionmaker.begin() as session:
        assert session.scalar(select(func.count()).where(Conversation.conversation_id == CONV)) == 0
        assert session.scalar(select(func.count()).where(InboxEvent.conversation_id == CONV)) == 0
    after = client.get(f"/api/v1/citizens/{citizen_id}", headers=admin.headers).json()
    assert after["display_name"] is None and after["phone"] is None and after["identities"] == []
    case_after = client.get(f"/api/v1/cases/{code}", headers=admin.headers).json()
    assert case_after["contact_phone"] is None and case_after["conversation_id"] is None
    assert "số 12" not in str(case_after)
    # The erased conversation no longer reveals the case to the bot.
    seen = client.get(f"/api/v1/internal/cases/{code}", params={"conversation_id": CONV}, headers=SERVICE)
    assert seen.status_code == 404


def test_get_or_create_citizen_is_idempotent(app: FastAPI) -> None:
    with app.state.sessionmaker.begin() as session:
        commune = get_commune(session, slug="xa-demo")
        conversations.ensure(session, conversation_id=CONV, commune_id=commune.id)  # the citizen's link
        first = get_or_create_citizen(session, commune_id=commune.id, conversation_id=CONV, channel="zalo")
        second = get_or_create_citizen(
            session,
            commune_id=commune.id,
            conversation_id=CONV,
            channel="zalo",
            display_name="An",
            phone="0909 123 456",
        )
        assert first.id == second.id and second.display_name == "An" and second.phone == "0909123456"
        assert len(second.conversations) == 1
