"""Masking by role in every output (issue 25, finding 4): the viewer's CSV exports are masked like their pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.cases.conftest import Member
from tests.console.test_console_http import login

NAME, PHONE, CCCD = "Lê Thị Hoa", "0912345678", "079123456789"
DESCRIPTION = f"Chị {NAME} báo cống vỡ trước nhà, gọi {PHONE}, CCCD {CCCD}"


def test_viewers_exports_are_masked_staff_exports_are_not(
    client: TestClient, file_case: Callable[..., dict[str, Any]], make_staff: Callable[..., Member], officer: Member
) -> None:
    code = file_case(description=DESCRIPTION, contact_name=NAME, contact_phone=PHONE, title=f"Cống vỡ nhà {NAME}")[
        "code"
    ]
    viewer = make_staff("viewer")
    detail = client.get(f"/api/v1/cases/{code}", headers=viewer.headers).json()
    assert PHONE not in str(detail) and CCCD not in str(detail)  # masked on the page: the CSV must agree
    login(client, viewer)
    for path, headers in (("/api/v1/cases/export.csv", viewer.headers), ("/staff/export.csv", None)):
        csv = client.get(path, headers=headers)
        assert csv.status_code == 200 and code in csv.text, path
        for secret in (NAME, PHONE, CCCD):
            assert secret not in csv.text, f"{path}: {secret}"
        assert "[đã ẩn]" in csv.text and "cống vỡ" in csv.text
    full = client.get("/api/v1/cases/export.csv", headers=officer.headers).text
    assert PHONE in full and CCCD in full  # staff who act on the case see it whole
