"""The action server's endpoints: filing a case from a conversation and check_status for its own citizen only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.communes.worktime import WorkCalendar
from tests.api.cases.conftest import SERVICE, case_body


def test_filed_case_is_routed_with_code_department_and_due_time(file_case: Callable[..., dict[str, Any]]) -> None:
    case = file_case()
    assert re.fullmatch(r"PA-\d{4}-000001", case["code"])
    assert case["status"] == "new" and case["status_label"] == "Mới tiếp nhận"
    assert case["department"]["code"] == "dia_chinh"
    created, due = datetime.fromisoformat(case["created_at"]), datetime.fromisoformat(case["due_at"])
    assert due == WorkCalendar().add_working_days(created, 3)  # the seeded SLA for giao_thong: 3 working days
    second = file_case(conversation_id="zalo:xa-demo:10002")
    assert second["code"].endswith("000002")


def test_every_category_has_a_seeded_rule(file_case: Callable[..., dict[str, Any]]) -> None:
    expected = {"an_ninh_trat_tu": ("cong_an", 1), "khac": ("van_phong", 5), "chieu_sang": ("dia_chinh", 2)}
    for category, (department, days) in expected.items():
        case = file_case(category=category)
        assert case["department"]["code"] == department
        created, due = datetime.fromisoformat(case["created_at"]), datetime.fromisoformat(case["due_at"])
        assert due == WorkCalendar().add_working_days(created, days)


def test_urgent_priority_shortens_the_deadline(file_case: Callable[..., dict[str, Any]]) -> None:
    case = file_case(priority="urgent")
    delta = datetime.fromisoformat(case["due_at"]) - datetime.fromisoformat(case["created_at"])
    assert delta == timedelta(hours=4)


def test_health_consultation_goes_to_a_health_worker(
    client: TestClient, file_case: Callable[..., dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    worker = make_staff("health_worker", department="tram_y_te")
    case = file_case(
        kind="consultation", category=None, title="Con sốt 39 độ", conversation_id="web:xa-demo:abc", channel="web"
    )
    assert case["department"]["code"] == "tram_y_te"
    detail = client.get(f"/api/v1/cases/{case['code']}", headers=worker.headers).json()
    # The seed's demo health worker or this one: the least busy health worker gets it, never an officer.
    assert detail["assignee"]["role"] == "health_worker"
    assert detail["status"] == "assigned"


def test_service_token_is_required(client: TestClient) -> None:
    assert client.post("/api/v1/internal/cases", json=case_body()).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    response = client.post("/api/v1/internal/cases", json=case_body(), headers=wrong)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_service_token"


def test_bad_input_names_the_field(client: TestClient) -> None:
    cases = [
        ({"kind": "complaint"}, "kind"),
        ({"category": "khong_co"}, "category"),
        ({"title": ""}, "title"),
        ({"description": "x" * 4001}, "description"),
        ({"latitude": 123.0}, "latitude"),
        ({"attachments": ["javascript:alert(1)"]}, "attachments.0"),
        ({"contact_phone": "gọi tôi"}, "contact_phone"),
        ({"conversation_id": "tg:xa-demo:1"}, "conversation_id"),  # prefix does not match channel zalo
        ({"conversation_id": "zalo:xa-khac:1"}, "conversation_id"),  # another commune's conversation
        ({"commune": "khong-ton-tai"}, "commune"),
    ]
    for override, field in cases:
        response = client.post("/api/v1/internal/cases", json=case_body(**override), headers=SERVICE)
        assert 400 <= response.status_code < 500, (override, response.text)
        error = response.json()["error"]
        assert error["field"] == field, (override, error)
        assert error["message"] and error["code"]


def test_check_status_only_for_the_citizen_who_filed(
    client: TestClient, file_case: Callable[..., dict[str, Any]]
) -> None:
    mine = file_case(conversation_id="zalo:xa-demo:owner")
    file_case(conversation_id="zalo:xa-demo:someone-else")
    url = f"/api/v1/internal/cases/{mine['code']}"
    own = client.get(url, params={"conversation_id": "zalo:xa-demo:owner"}, headers=SERVICE)
    assert own.status_code == 200
    assert own.json()["status_label"] == "Mới tiếp nhận"
    for stranger in ("zalo:xa-demo:someone-else", "zalo:xa-demo:never-wrote", "tg:xa-demo:owner"):
        response = client.get(url, params={"conversation_id": stranger}, headers=SERVICE)
        assert response.status_code == 404, stranger
        assert response.json()["error"]["code"] == "case_not_found"
    listing = client.get("/api/v1/internal/cases", params={"conversation_id": "zalo:xa-demo:owner"}, headers=SERVICE)
    assert [c["code"] for c in listing.json()["items"]] == [mine["code"]]
    nobody = client.get("/api/v1/internal/cases", params={"conversation_id": "web:xa-demo:x"}, headers=SERVICE)
    assert nobody.json()["items"] == []


def test_check_status_shows_the_last_public_reply_but_no_internal_note(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Any
) -> None:
    case = file_case(conversation_id="zalo:xa-demo:owner")
    code = case["code"]
    client.post(f"/api/v1/cases/{code}/notes", json={"text": "Nội bộ: chờ kinh phí"}, headers=officer.headers)
    client.post(f"/api/v1/cases/{code}/replies", json={"text": "Đã cử người kiểm tra."}, headers=officer.headers)
    client.post(f"/api/v1/cases/{code}/notes", json={"text": "Nội bộ 2"}, headers=officer.headers)
    seen = client.get(
        f"/api/v1/internal/cases/{code}", params={"conversation_id": "zalo:xa-demo:owner"}, headers=SERVICE
    ).json()
    assert seen["last_public_reply"] == "Đã cử người kiểm tra."
    assert "Nội bộ" not in str(seen)
    assert "assignee" not in seen


def test_notify_received_queues_a_message(client: TestClient, app: Any) -> None:
    from api.outbox.service import messages_for_conversation

    response = client.post(
        "/api/v1/internal/cases",
        json=case_body(notify_received=True, conversation_id="tg:xa-demo:77", channel="telegram"),
        headers=SERVICE,
    )
    code = response.json()["code"]
    with app.state.sessionmaker() as session:
        messages = messages_for_conversation(session, conversation_id="tg:xa-demo:77")
    assert len(messages) == 1 and code in messages[0].text and messages[0].channel == "telegram"


def test_concurrent_first_messages_create_one_citizen(client: TestClient, app: Any) -> None:
    """Eight cases filed at once from a brand-new conversation: all succeed, one citizen, consecutive codes. Three
    such bursts: on PostgreSQL a row lock taken where none was needed deadlocked about one burst in fifteen."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from api.citizens.models import Citizen

    for burst in range(3):

        def post(_: int, key: str = f"zalo:xa-demo:race{burst}") -> Any:
            return client.post("/api/v1/internal/cases", json=case_body(conversation_id=key), headers=SERVICE)

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(post, range(8)))
        assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses if r.status_code != 201]
        codes = sorted(r.json()["code"] for r in responses)
        assert [int(c[-6:]) for c in codes] == list(range(8 * burst + 1, 8 * burst + 9))
        with app.state.sessionmaker() as session:
            assert session.scalar(select(func.count(Citizen.id))) == burst + 1


def test_nul_characters_are_refused_with_the_field(client: TestClient, officer: Any) -> None:
    body = client.post("/api/v1/internal/cases", json=case_body(title="a\x00b"), headers=SERVICE)
    assert body.status_code == 422 and body.json()["error"]["code"] == "invalid_character"
    query = client.get("/api/v1/cases", params={"q": "x\x00"}, headers=officer.headers)
    assert query.status_code == 422 and query.json()["error"]["field"] == "q"
    form = client.post("/open311/v2/requests.json", data={"api_key": "k", "service_code": "a\x00"})
    assert form.status_code == 422 and form.json()[0]["code"] == 422


def test_a_turn_run_again_files_its_case_once(client: TestClient, app: Any) -> None:
    """A Rasa replica died after its action filed the case, so the turn ran again elsewhere (same ``turn_id``), maybe
    at the same moment: one case, and every filing gets its code back."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from api.cases.models import Case

    body = case_body(conversation_id="zalo:xa-demo:turns", turn_id="inbox-41")

    def post(_: int) -> Any:
        return client.post("/api/v1/internal/cases", json=body, headers=SERVICE)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(post, range(4)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201], [r.text for r in responses]
    assert len({r.json()["code"] for r in responses}) == 1
    # Another kind in the same turn is another case; another turn is another case.
    handoff = client.post("/api/v1/internal/cases", json={**body, "kind": "handoff", "category": None}, headers=SERVICE)
    later = client.post("/api/v1/internal/cases", json={**body, "turn_id": "inbox-42"}, headers=SERVICE)
    assert handoff.status_code == later.status_code == 201
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count(Case.id)).where(Case.conversation_id == body["conversation_id"])) == 3
    # A turn id is no key to another conversation's case.
    stolen = client.post(
        "/api/v1/internal/cases", json={**body, "conversation_id": "zalo:xa-demo:other"}, headers=SERVICE
    )
    assert stolen.status_code == 409 and stolen.json()["error"]["code"] == "turn_conversation_mismatch"
