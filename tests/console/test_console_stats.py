"""The statistics page: a date range, handling time in working hours, numbers written the Vietnamese way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.cases.conftest import Member
from tests.console.test_console_http import login


def test_the_stats_page_takes_a_date_range_and_writes_numbers_the_vietnamese_way(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, file_case: Callable[..., dict[str, Any]], officer: Member
) -> None:
    monkeypatch.setattr("api.cases.creation.utcnow", lambda: datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # Fri 16:00
    code = file_case()["code"]
    monkeypatch.setattr("api.cases.commands.utcnow", lambda: datetime(2026, 11, 30, 1, 30, tzinfo=UTC))  # Mon 8:30
    resolved = client.post(
        f"/api/v1/cases/{code}/status", json={"status": "resolved", "note": "Xong"}, headers=officer.headers
    )
    assert resolved.status_code == 200, resolved.text
    login(client, officer)
    page = client.get("/staff/stats", params={"date_from": "2026-11-27", "date_to": "2026-11-27"})
    assert page.status_code == 200
    assert 'data-testid="kpi-median">2,0<' in page.text and 'data-testid="kpi-sla">100,0%<' in page.text
    assert "<svg" in page.text and "Theo bộ phận" in page.text and "Theo kênh tiếp nhận" in page.text
    empty = client.get("/staff/stats", params={"date_from": "2026-12-01"})
    assert 'data-testid="kpi-median">—<' in empty.text
    bad = client.get("/staff/stats", params={"date_from": "27/11/2026"})
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.text
