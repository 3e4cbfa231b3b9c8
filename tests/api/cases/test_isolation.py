"""Multi-commune isolation and roles, route by route: another commune's staff never sees or changes anything,
viewers never write, only admins manage staff, routing and personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.cases.conftest import Member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Every staff route under /api/v1 owned by case management, with a request that would change or reveal data.
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/v1/cases/{code}", None),
    ("post", "/api/v1/cases/{code}/assign", {"department_id": "{dept}"}),
    ("post", "/api/v1/cases/{code}/status", {"status": "in_progress"}),
    ("post", "/api/v1/cases/{code}/notes", {"text": "ghi chú"}),
    ("post", "/api/v1/cases/{code}/replies", {"text": "trả lời"}),
    ("post", "/api/v1/cases/{code}/merge", {"into": "{other_code}"}),
    ("post", "/api/v1/cases/{code}/chat", {"enabled": True}),
    ("post", "/api/v1/cases/{code}/attachments", None),
    ("post", "/api/v1/cases/{code}/publication", {"public": True, "public_summary": "Tóm tắt"}),
    ("get", "/api/v1/citizens/{citizen}", None),
    ("get", "/api/v1/citizens/{citizen}/export", None),
    ("delete", "/api/v1/citizens/{citizen}/personal-data", None),
    ("patch", "/api/v1/staff/{staff}", {"full_name": "Đổi tên"}),
    ("get", "/api/v1/staff/{staff}/login-lock", None),
    ("delete", "/api/v1/staff/{staff}/login-lock", None),
    ("put", "/api/v1/routing-rules/{rule}", {"category": "khac", "sla_hours": 1}),
    ("delete", "/api/v1/routing-rules/{rule}", None),
]
LISTS = [
    "/api/v1/cases",
    "/api/v1/cases/stats",
    "/api/v1/cases/export.csv",
    "/api/v1/citizens",
    "/api/v1/staff",
    "/api/v1/departments",
    "/api/v1/routing-rules",
]
WRITES = [r for r in ROUTES if r[0] != "get"] + [
    ("post", "/api/v1/departments", {"code": "moi", "name": "Bộ phận mới"}),
    ("post", "/api/v1/staff", {"login": "moi.canbo", "full_name": "Mới", "password": "mat-khau-dai-1"}),
    ("post", "/api/v1/routing-rules", {"kind": "report", "category": "khac", "sla_hours": 5}),
]
ADMIN_ONLY = {
    "/api/v1/citizens/{citizen}/export",
    "/api/v1/citizens/{citizen}/personal-data",
    "/api/v1/staff/{staff}",
    "/api/v1/staff/{staff}/login-lock",
    "/api/v1/routing-rules/{rule}",
    "/api/v1/departments",
    "/api/v1/staff",
    "/api/v1/routing-rules",
}


@pytest.fixture
def world(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]], admin: Member, other_commune: str
) -> dict[str, Any]:
    case = file_case(conversation_id="zalo:xa-demo:secret-citizen", contact_name="Nguyễn Bí Mật")
    other = file_case(conversation_id="zalo:xa-demo:second")
    detail = client.get(f"/api/v1/cases/{case['code']}", headers=admin.headers).json()
    rules = client.get("/api/v1/routing-rules", headers=admin.headers).json()
    return {
        "code": case["code"],
        "other_code": other["code"],
        "dept": case["department"]["id"],
        "citizen": detail["citizen_id"],
        "staff": admin.id,
        "rule": rules[0]["id"],
    }


def _state(app: FastAPI) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what a refused request must leave exactly as it was."""
    from sqlalchemy import select

    from api.db import Base

    with app.state.sessionmaker() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _changed(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def _call(
    client: TestClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    world: dict[str, Any],
    headers: dict[str, str],
) -> Any:
    url = path.format(**world)
    if path.endswith("/attachments"):
        return client.post(url, files={"file": ("a.png", PNG, "image/png")}, headers=headers)
    payload = None
    if body is not None:
        payload = {k: (v.format(**world) if isinstance(v, str) and "{" in v else v) for k, v in body.items()}
        if payload.get("department_id"):
            payload["department_id"] = int(payload["department_id"])
    return client.request(method.upper(), url, json=payload, headers=headers)


def test_the_table_covers_every_staff_route(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    mine = {
        (method, path)
        for path, ops in paths.items()
        for method in ops
        if path.startswith(
            ("/api/v1/cases", "/api/v1/citizens", "/api/v1/staff", "/api/v1/routing-rules", "/api/v1/departments")
        )
    }
    covered = {
        (m, p.replace("{citizen}", "{citizen_id}").replace("{staff}", "{staff_id}").replace("{rule}", "{rule_id}"))
        for m, p, _ in ROUTES + WRITES
    }
    covered |= {("get", p) for p in LISTS}
    assert mine <= covered, mine - covered


def test_another_communes_staff_sees_and_changes_nothing(
    client: TestClient, world: dict[str, Any], make_staff: Callable[..., Member]
) -> None:
    outsider = make_staff("admin", commune="xa-khac", department="van_phong")
    for method, path, body in ROUTES:
        before = _state(client.app)  # type: ignore[attr-defined]
        response = _call(client, method, path, body, world, outsider.headers)
        assert response.status_code == 404, (method, path, response.status_code, response.text)
        assert _changed(before, _state(client.app)) == [], (method, path)  # type: ignore[attr-defined]
    for path in LISTS:
        response = client.get(path, headers=outsider.headers)
        assert response.status_code == 200, path
        text = response.text
        assert world["code"] not in text and "Bí Mật" not in text and "secret-citizen" not in text, path


def test_the_owning_communes_admin_can_do_all_of_it(client: TestClient, world: dict[str, Any], admin: Member) -> None:
    """The same table succeeds for the right staff: the 404s above are isolation, not broken routes."""
    for method, path, body in ROUTES:
        if path.endswith(("personal-data", "{rule}")) or "merge" in path or path.endswith("{staff}"):
            continue  # destructive or self-referential; covered by their own tests
        response = _call(client, method, path, body, world, admin.headers)
        assert response.status_code < 300, (method, path, response.text)


def test_viewers_cannot_write(client: TestClient, world: dict[str, Any], make_staff: Callable[..., Member]) -> None:
    viewer = make_staff("viewer")
    for method, path, body in WRITES:
        before = _state(client.app)  # type: ignore[attr-defined]
        response = _call(client, method, path, body, world, viewer.headers)
        assert response.status_code == 403, (method, path, response.text)
        assert _changed(before, _state(client.app)) == [], (method, path)  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/cases/{world['code']}", headers=viewer.headers).status_code == 200


def test_only_admins_manage_staff_routing_and_personal_data(
    client: TestClient, world: dict[str, Any], officer: Member
) -> None:
    for method, path, body in WRITES + [r for r in ROUTES if r[1].endswith("/export")]:
        if path in ADMIN_ONLY:
            response = _call(client, method, path, body, world, officer.headers)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["code"] == "admin_only"


def test_consultations_are_hidden_from_officers(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member, make_staff: Callable[..., Member]
) -> None:
    code = file_case(kind="consultation", category=None, conversation_id="web:xa-demo:benh-nhan", channel="web")["code"]
    assert client.get(f"/api/v1/cases/{code}", headers=officer.headers).status_code == 404
    assert code not in client.get("/api/v1/cases", headers=officer.headers).text
    worker = make_staff("health_worker", department="tram_y_te")
    assert client.get(f"/api/v1/cases/{code}", headers=worker.headers).status_code == 200


def test_no_token_is_401(client: TestClient, world: dict[str, Any]) -> None:
    for method, path, body in ROUTES:
        response = _call(client, method, path, body, world, {})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
