"""Filing a case from a conversation (the SQLAlchemy Core hot path): what it writes, how it routes, and that a
failure anywhere in the command writes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from api.cases import notify
from api.cases.codes import next_code
from api.cases.models import Case, CaseCounter
from api.citizens.models import Citizen, Conversation
from api.communes.models import Commune
from api.communes.worktime import WorkCalendar
from api.db import transaction
from api.errors import ValidationFailed
from api.outbox.service import messages_for_conversation
from api.staff.models import Staff
from tests.api.cases.conftest import SERVICE, Member, case_body

FileCase = Callable[..., dict[str, Any]]
_CALENDAR = WorkCalendar()


def _rule(client: TestClient, admin: Member, **match: str | None) -> dict[str, Any]:
    rules = client.get("/api/v1/routing-rules", headers=admin.headers).json()
    return next(r for r in rules if all(r[k] == v for k, v in match.items()))


def _due(case: dict[str, Any], *, days: int | None = None, hours: int | None = None) -> bool:
    """Whether the case's deadline is ``days`` working days or ``hours`` working hours after its filing."""
    created, due = datetime.fromisoformat(case["created_at"]), datetime.fromisoformat(case["due_at"])
    expected = _CALENDAR.add_working_days(created, days) if days else _CALENDAR.add_working_hours(created, hours or 0)
    return due == expected


def _set_rule(client: TestClient, admin: Member, rule: dict[str, Any], **changes: Any) -> None:
    body = {
        "kind": rule["kind"],
        "category": rule["category"],
        "department_id": rule["department"]["id"] if rule["department"] else None,
        "assignee_id": rule["assignee"]["id"] if rule["assignee"] else None,
        "sla_hours": rule["sla_hours"],
        "sla_days": rule["sla_days"],
        "enabled": rule["enabled"],
    }
    response = client.put(f"/api/v1/routing-rules/{rule['id']}", json={**body, **changes}, headers=admin.headers)
    assert response.status_code == 200, response.text


def test_filing_writes_the_case_its_first_timeline_entries_and_the_citizen(
    app: FastAPI, client: TestClient, file_case: FileCase, admin: Member, officer: Member
) -> None:
    rule = _rule(client, admin, category="giao_thong", kind=None)
    _set_rule(client, admin, rule, assignee_id=officer.id, sla_hours=6, sla_days=None)
    filed = file_case(conversation_id="zalo:xa-demo:an", description="  Ổ gà sâu trước cổng trường.  ")
    assert filed["status"] == "assigned" and _due(filed, hours=6)
    detail = client.get(f"/api/v1/cases/{filed['code']}", headers=officer.headers).json()
    assert detail["assignee"]["id"] == officer.id and detail["department"]["code"] == "dia_chinh"
    assert detail["description"] == "Ổ gà sâu trước cổng trường." and detail["attachments"]
    created, routed = detail["timeline"]
    assert (created["kind"], created["actor_type"], created["body"]) == ("created", "bot", detail["description"])
    assert created["data"] == {"source": "bot", "channel": "zalo"}
    assert routed["kind"] == "routed" and routed["actor_type"] == "system"
    assert rule["department"]["name"] in routed["body"] and f"cán bộ Cán bộ {officer.login}" in routed["body"]
    assert routed["data"] == {"rule_id": rule["id"], "sla": "6 giờ làm việc"}

    again = file_case(conversation_id="zalo:xa-demo:an", contact_name="Nguyễn Thị Bình", contact_phone=None)
    with app.state.sessionmaker() as session:
        citizen_ids = set(session.scalars(select(Case.citizen_id).where(Case.conversation_id == "zalo:xa-demo:an")))
        assert len(citizen_ids) == 1
        citizen = session.get(Citizen, citizen_ids.pop())
        assert citizen is not None
        # The newer name replaces the older one; a missing phone keeps the known one.
        assert (citizen.display_name, citizen.phone) == ("Nguyễn Thị Bình", "0909123456")
        assert session.scalar(select(func.count(Conversation.id)).where(Conversation.citizen_id.is_not(None))) == 1
    assert int(again["code"][-6:]) == int(filed["code"][-6:]) + 1


def test_the_most_specific_enabled_rule_wins_and_edits_apply_to_the_next_case(
    client: TestClient, file_case: FileCase, admin: Member
) -> None:
    office = _rule(client, admin, category="khac")["department"]
    specific = client.post(
        "/api/v1/routing-rules",
        json={"kind": "report", "category": "giao_thong", "department_id": office["id"], "sla_hours": 10},
        headers=admin.headers,
    ).json()
    any_report = {"kind": "report", "category": None, "department_id": office["id"], "sla_hours": 30}
    assert client.post("/api/v1/routing-rules", json=any_report, headers=admin.headers).status_code == 201
    traffic = file_case(category="giao_thong")
    assert traffic["department"]["code"] == "van_phong" and _due(traffic, hours=10)
    environment = file_case(category="moi_truong")  # a category rule is more specific than a kind rule
    assert environment["department"]["code"] == "dia_chinh" and _due(environment, days=3)
    _set_rule(client, admin, specific, enabled=False)
    traffic = file_case(category="giao_thong")
    assert traffic["department"]["code"] == "dia_chinh" and _due(traffic, days=3)


def test_an_inactive_officer_on_a_rule_is_not_assigned(
    app: FastAPI, client: TestClient, file_case: FileCase, admin: Member, officer: Member
) -> None:
    _set_rule(client, admin, _rule(client, admin, category="chieu_sang"), assignee_id=officer.id)
    assert file_case(category="chieu_sang")["status"] == "assigned"
    with transaction(app.state.sessionmaker) as session:
        session.execute(update(Staff).where(Staff.id == officer.id).values(is_active=False))
    case = file_case(category="chieu_sang")
    assert case["status"] == "new" and case["department"]["code"] == "dia_chinh"


def test_a_consultation_rule_naming_an_officer_still_goes_to_a_health_worker(
    client: TestClient, file_case: FileCase, admin: Member, officer: Member
) -> None:
    _set_rule(client, admin, _rule(client, admin, kind="consultation"), assignee_id=officer.id)
    case = file_case(kind="consultation", category=None, conversation_id="web:xa-demo:me", channel="web")
    detail = client.get(f"/api/v1/cases/{case['code']}", headers=admin.headers).json()
    assert detail["assignee"]["role"] == "health_worker" and detail["status"] == "assigned"


def test_the_received_notice_is_queued_and_shown_in_the_timeline(
    app: FastAPI, client: TestClient, file_case: FileCase, officer: Member
) -> None:
    case = file_case(notify_received=True, conversation_id="zalo:xa-demo:notice")
    with app.state.sessionmaker() as session:
        (message,) = messages_for_conversation(session, conversation_id="zalo:xa-demo:notice")
    assert (message.kind, message.status, message.channel) == ("case_received", "pending", "zalo")
    assert case["code"] in message.text and "Địa chính" in message.text
    detail = client.get(f"/api/v1/cases/{case['code']}", headers=officer.headers).json()
    notice = detail["timeline"][-1]
    assert notice["kind"] == "notification" and notice["outbox_message_id"] == message.id
    assert notice["body"] == message.text and notice["delivery_status"] == "pending" and notice["is_public"]


def test_a_command_that_fails_after_writing_leaves_nothing_behind(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The citizen, case and timeline are written; the outbox then refuses the notice: the whole command must roll
    # back, number included.
    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise ValidationFailed("Tin nhắn không hợp lệ.", code="outbox_refused", field="text")

    with monkeypatch.context() as patch:
        patch.setattr(notify, "enqueue_message_row", refuse)
        response = client.post("/api/v1/internal/cases", json=case_body(notify_received=True), headers=SERVICE)
    assert response.status_code == 422 and response.json()["error"]["code"] == "outbox_refused"
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count(Case.id))) == 0
        assert session.scalar(select(func.count(Citizen.id))) == 0
        assert session.scalar(select(func.max(CaseCounter.last_value))) in (None, 0)
    ok = client.post("/api/v1/internal/cases", json=case_body(), headers=SERVICE)
    assert ok.status_code == 201 and ok.json()["code"].endswith("-000001")


def test_codes_are_unique_and_consecutive_per_commune_under_concurrency(
    app: FastAPI, client: TestClient, other_commune: str
) -> None:
    def post(n: int) -> Any:
        commune = "xa-demo" if n % 2 else other_commune
        body = case_body(commune=commune, conversation_id=f"zalo:{commune}:c{n}")
        return client.post("/api/v1/internal/cases", json=body, headers=SERVICE)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(24)))
    assert [r.status_code for r in responses] == [201] * 24, [r.text for r in responses if r.status_code != 201]
    with app.state.sessionmaker() as session:
        rows = session.execute(select(Case.commune_id, Case.code)).all()
    by_commune: dict[int, list[int]] = {}
    for commune_id, code in rows:
        by_commune.setdefault(commune_id, []).append(int(code[-6:]))
    assert sorted(sorted(numbers) for numbers in by_commune.values()) == [list(range(1, 13))] * 2


def test_the_first_two_cases_of_a_year_race_for_a_new_counter(app: FastAPI) -> None:
    """Both find no counter row; on PostgreSQL one INSERT loses on the key and takes a number after the winner."""
    with app.state.sessionmaker() as session:
        commune_id = session.scalar(select(Commune.id).where(Commune.slug == "xa-demo"))
    start = threading.Barrier(2)

    def take(_: int) -> str:
        with transaction(app.state.sessionmaker) as session:
            session.connection()
            start.wait(timeout=10)
            return next_code(session, commune_id=commune_id, year=2031)

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(take, range(2)))
    assert codes == ["PA-2031-000001", "PA-2031-000002"]


def test_a_report_filed_on_saturday_evening_before_a_holiday_is_due_in_working_time(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, file_case: FileCase, admin: Member, officer: Member
) -> None:
    # Saturday 29/08/2026, 19:00 in Vietnam: Monday 31/08 is a day off in lieu of 22/08, 1–2/09 is National Day.
    saturday_evening = datetime(2026, 8, 29, 12, 0, tzinfo=UTC)
    monkeypatch.setattr("api.cases.creation.utcnow", lambda: saturday_evening)
    lights = file_case(category="chieu_sang")  # seeded: 2 working days
    assert datetime.fromisoformat(lights["due_at"]) == datetime(2026, 9, 4, 10, 0, tzinfo=UTC)  # 17:00 Fri 4/9
    rule = _rule(client, admin, kind="handoff")  # seeded: 4 working hours
    handoff = file_case(kind="handoff", category=None)
    assert rule["sla_days"] is None
    assert datetime.fromisoformat(handoff["due_at"]) == datetime(2026, 9, 3, 4, 30, tzinfo=UTC)  # 11:30 Thu 3/9
    urgent = file_case(category="an_ninh_trat_tu", priority="urgent")  # urgent counts the clock
    assert datetime.fromisoformat(urgent["due_at"]) == saturday_evening + timedelta(hours=4)
    detail = client.get(f"/api/v1/cases/{lights['code']}", headers=officer.headers).json()
    assert detail["timeline"][1]["data"]["sla"] == "2 ngày làm việc"
