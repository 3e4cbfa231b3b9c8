"""The audit trail: which staff viewed or exported personal data, readable by the commune's admin only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.cases.conftest import Member
from tests.console.test_console_http import login


def test_views_exports_and_erasures_are_recorded(
    client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member, admin: Member
) -> None:
    code = file_case()["code"]
    assert client.get(f"/api/v1/cases/{code}", headers=officer.headers).status_code == 200
    assert client.get("/api/v1/cases/export.csv", headers=officer.headers).status_code == 200
    login(client, officer)
    assert client.get(f"/staff/cases/{code}").status_code == 200
    assert client.get("/staff/export.csv").status_code == 200
    citizen_id = client.get(f"/api/v1/cases/{code}", headers=admin.headers).json()["citizen_id"]
    assert client.delete(f"/api/v1/citizens/{citizen_id}/personal-data", headers=admin.headers).status_code == 200

    assert client.get("/api/v1/privacy/access-log", headers=officer.headers).status_code == 403
    trail = client.get("/api/v1/privacy/access-log", headers=admin.headers).json()
    mine = [(e["action"], e["subject"]) for e in reversed(trail) if e["staff_id"] == officer.id]
    assert mine == [
        ("view", f"case:{code}"),
        ("export", "cases.csv"),
        ("view", f"case:{code}"),
        ("export", "cases.csv"),
    ]
    assert ("erase", f"citizen:{citizen_id}") in [
        (e["action"], e["subject"]) for e in trail if e["staff_id"] == admin.id
    ]
    requests = client.get("/api/v1/privacy/requests", headers=admin.headers).json()
    assert [(r["kind"], r["channel"], r["status"]) for r in requests] == [("erasure", "staff", "done")]
    assert requests[0]["outcome"]["cases_anonymised"] == 1


def test_the_policy_page_is_public_and_names_the_rights(client: TestClient) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200 and "91/2025/QH15" in page.text
    for part in ("Quyền của anh/chị", "xóa dữ liệu của tôi", "Thời gian lưu", "1 năm", "180 ngày"):
        assert part in page.text, part
