"""Staff handling a case: assign, status changes, notes, public replies, merge — each leaves a timeline entry and
the citizen hears about it through the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.cases.service import find_case_awaiting_rating, record_rating
from api.outbox.service import messages_for_conversation
from tests.api.cases.conftest import Member

CONV = "zalo:xa-demo:citizen-1"


def _outbox(app: FastAPI, conversation_id: str = CONV) -> list[Any]:
    with app.state.sessionmaker() as session:
        return messages_for_conversation(session, conversation_id=conversation_id)


def _kinds(detail: dict[str, Any]) -> list[str]:
    return [entry["kind"] for entry in detail["timeline"]]


def test_full_lifecycle_leaves_a_timeline_and_notifies_the_citizen(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case(conversation_id=CONV)["code"]
    url = f"/api/v1/cases/{code}"

    assigned = client.post(f"{url}/assign", json={"assignee_id": officer.id}, headers=officer.headers)
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"
    assert assigned.json()["assignee"]["id"] == officer.id

    progress = client.post(f"{url}/status", json={"status": "in_progress"}, headers=officer.headers)
    assert progress.json()["status"] == "in_progress"

    reply = client.post(
        f"{url}/replies", json={"text": "Chiều nay tổ công tác sẽ đến kiểm tra."}, headers=officer.headers
    )
    assert reply.status_code == 201
    assert reply.json()["delivery_status"] is None or reply.json()["outbox_message_id"]

    note = client.post(f"{url}/notes", json={"text": "Đã báo đội duy tu."}, headers=officer.headers)
    assert note.status_code == 201 and note.json()["is_public"] is False

    missing_note = client.post(f"{url}/status", json={"status": "resolved"}, headers=officer.headers)
    assert missing_note.status_code == 422 and missing_note.json()["error"]["field"] == "note"

    resolved = client.post(
        f"{url}/status", json={"status": "resolved", "note": "Đã vá ổ gà ngày hôm nay."}, headers=officer.headers
    )
    assert resolved.status_code == 200
    detail = resolved.json()
    assert detail["status"] == "resolved" and detail["resolved_at"]
    kinds = _kinds(detail)
    for expected in ("created", "routed", "assigned", "status_changed", "public_reply", "note", "notification"):
        assert expected in kinds, expected
    actors = {e["kind"]: e["actor"] for e in detail["timeline"] if e["actor"]}
    assert actors["assigned"]["id"] == officer.id

    messages = _outbox(app)
    texts = [m.kind for m in messages]
    assert texts == ["case_assigned", "case_in_progress", "staff_reply", "case_resolved", "rating_request"]
    assert "Đã vá ổ gà" in messages[3].text
    case_id = messages[4].case_id
    assert [b["payload"] for b in messages[4].buttons] == [
        f'/rating{{"case_id":{case_id},"stars":{n}}}' for n in (5, 4, 3, 2, 1)
    ]
    assert all(m.case_id is not None for m in messages)
    assert "Đã báo đội duy tu" not in " ".join(m.text for m in messages)  # internal notes never go out


def test_rating_after_resolution(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case(conversation_id=CONV)["code"]
    with app.state.sessionmaker() as session:
        assert find_case_awaiting_rating(session, conversation_id=CONV) is None
    client.post(f"/api/v1/cases/{code}/status", json={"status": "resolved", "note": "Xong."}, headers=officer.headers)
    with app.state.sessionmaker.begin() as session:
        case = find_case_awaiting_rating(session, conversation_id=CONV)
        assert case is not None and case.code == code
        record_rating(session, case=case, rating=4, comment="Cảm ơn cán bộ")
    with app.state.sessionmaker() as session:
        assert find_case_awaiting_rating(session, conversation_id=CONV) is None
    detail = client.get(f"/api/v1/cases/{code}", headers=officer.headers).json()
    assert detail["rating"] == 4 and detail["rating_comment"] == "Cảm ơn cán bộ"
    assert _kinds(detail)[-1] == "rating"
    stats = client.get("/api/v1/cases/stats", headers=officer.headers).json()
    assert stats["rating_count"] == 1 and stats["rating_average"] == 4.0


def test_invalid_transitions_are_409_with_the_field(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case()["code"]
    url = f"/api/v1/cases/{code}/status"
    client.post(url, json={"status": "resolved", "note": "Xong"}, headers=officer.headers)
    client.post(url, json={"status": "closed"}, headers=officer.headers)
    again = client.post(url, json={"status": "in_progress"}, headers=officer.headers)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "invalid_transition",
        "message": "Không thể chuyển từ 'Đã đóng' sang 'Đang xử lý'.",
        "field": "status",
    }
    unknown = client.post(url, json={"status": "done"}, headers=officer.headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "status"


def test_reopen_clears_the_resolution(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    code = file_case()["code"]
    url = f"/api/v1/cases/{code}/status"
    client.post(url, json={"status": "resolved", "note": "Xong"}, headers=officer.headers)
    reopened = client.post(
        url, json={"status": "in_progress", "note": "Người dân báo chưa sửa"}, headers=officer.headers
    )
    assert reopened.json()["status"] == "in_progress" and reopened.json()["resolved_at"] is None


def test_merge_duplicate(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    first = file_case(conversation_id="zalo:xa-demo:a")["code"]
    second = file_case(conversation_id="zalo:xa-demo:b")["code"]
    merged = client.post(f"/api/v1/cases/{second}/merge", json={"into": first}, headers=officer.headers)
    assert merged.status_code == 200
    assert merged.json()["status"] == "duplicate" and merged.json()["merged_into"] == first
    target = client.get(f"/api/v1/cases/{first}", headers=officer.headers).json()
    assert any(e["kind"] == "merged" and second in e["body"] for e in target["timeline"])
    assert first in _outbox(app, "zalo:xa-demo:b")[-1].text
    again = client.post(f"/api/v1/cases/{second}/merge", json={"into": first}, headers=officer.headers)
    assert again.status_code == 409
    self_merge = client.post(f"/api/v1/cases/{first}/merge", json={"into": first}, headers=officer.headers)
    assert self_merge.status_code == 422 and self_merge.json()["error"]["field"] == "into"
    unknown = client.post(f"/api/v1/cases/{first}/merge", json={"into": "PA-1999-000001"}, headers=officer.headers)
    assert unknown.status_code == 404


def test_consultation_only_assignable_to_health_workers(
    client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member, officer: Member
) -> None:
    code = file_case(kind="consultation", category=None, conversation_id="web:xa-demo:h1", channel="web")["code"]
    response = client.post(f"/api/v1/cases/{code}/assign", json={"assignee_id": officer.id}, headers=admin.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "assignee_not_health_worker"


def test_one_transaction_per_command(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    """A command that fails half-way (status valid, note empty on rejection) changes nothing."""
    code = file_case(conversation_id=CONV)["code"]
    before = client.get(f"/api/v1/cases/{code}", headers=officer.headers).json()
    bad = client.post(f"/api/v1/cases/{code}/assign", json={"department_id": 999999}, headers=officer.headers)
    assert bad.status_code == 404 and bad.json()["error"]["field"] == "department_id"
    after = client.get(f"/api/v1/cases/{code}", headers=officer.headers).json()
    assert after["timeline"] == before["timeline"] and after["department"] == before["department"]
    assert _outbox(app) == []


def test_overdue_flagging(
    app: FastAPI,
    client: TestClient,
    file_case: Callable[..., dict[str, Any]],
    officer: Member,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from api.cases.commands import flag_overdue

    monday_morning = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
    monkeypatch.setattr("api.cases.creation.utcnow", lambda: monday_morning)
    late = file_case(category="an_ninh_trat_tu")["code"]  # 1 working day: due 17:00 Tuesday
    file_case(category="xay_dung_dat_dai")  # 10 working days
    with app.state.sessionmaker.begin() as session:
        assert flag_overdue(session, now=datetime(2026, 12, 1, 9, 59, tzinfo=UTC)) == 0  # 16:59 Tuesday
    with app.state.sessionmaker.begin() as session:
        assert flag_overdue(session, now=datetime(2026, 12, 1, 10, 1, tzinfo=UTC)) == 1
    with app.state.sessionmaker.begin() as session:
        assert flag_overdue(session, now=datetime(2026, 12, 2, 10, 1, tzinfo=UTC)) == 0  # once per case
    detail = client.get(f"/api/v1/cases/{late}", headers=officer.headers).json()
    assert detail["timeline"][-1]["kind"] == "overdue"
