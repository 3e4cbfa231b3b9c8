"""Statistics count office time: a case filed Friday 16:00 and resolved Monday 08:30 took two working hours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.cases.conftest import Member

FRIDAY_4PM = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
MONDAY_8_30 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)


def test_handling_time_counts_working_hours_and_groups_by_department_and_channel(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    monkeypatch.setattr("api.cases.creation.utcnow", lambda: FRIDAY_4PM)
    first = file_case(category="giao_thong")["code"]
    file_case(category="an_ninh_trat_tu", conversation_id="web:xa-demo:stats-web", channel="web")
    monkeypatch.setattr("api.cases.commands.utcnow", lambda: MONDAY_8_30)
    done = client.post(
        f"/api/v1/cases/{first}/status", json={"status": "resolved", "note": "Đã vá"}, headers=officer.headers
    )
    assert done.status_code == 200, done.text
    stats = client.get("/api/v1/cases/stats", headers=officer.headers).json()
    assert stats["median_hours_to_resolve"] == 64.5  # the clock
    assert stats["median_working_hours_to_resolve"] == 2.0  # Friday 16:00–17:00, Monday 07:30–08:30
    assert stats["p90_working_hours_to_resolve"] == 2.0
    assert {c["label"]: c["count"] for c in stats["by_channel"]} == {"Zalo": 1, "Trang web": 1}
    departments = {c["label"]: c["count"] for c in stats["by_department"]}
    assert sum(departments.values()) == 2 and len(departments) == 2
