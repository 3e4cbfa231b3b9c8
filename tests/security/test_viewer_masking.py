"""Attack 8a: a ``viewer`` read full names and phone numbers in case detail and ``/citizens/{id}``."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.security.conftest import Account, file_report
from tests.support.processes import ServerProcess


@pytest.mark.slow
def test_viewer_sees_masked_personal_data_in_case_detail_and_citizen(
    gateway: ServerProcess, make_account: Callable[..., Account]
) -> None:
    viewer, officer = make_account("viewer"), make_account("officer")
    code = file_report(gateway.url)["code"]

    seen = httpx.get(f"{gateway.url}/api/v1/cases/{code}", headers=viewer.headers)
    assert seen.status_code == 200
    case = seen.json()
    for secret in ("0911222333", "Văn Bình", "079123456789"):
        assert secret not in seen.text, secret
    assert case["contact_name"] == "Nguyễn V. B." and case["contact_phone"] == "091****333"

    full = httpx.get(f"{gateway.url}/api/v1/cases/{code}", headers=officer.headers).json()
    assert full["contact_phone"] == "0911222333"  # officers handling the case still see it
    citizen_id = full["citizen_id"]
    assert citizen_id is not None

    person = httpx.get(f"{gateway.url}/api/v1/citizens/{citizen_id}", headers=viewer.headers)
    assert person.status_code == 200
    assert "0911222333" not in person.text and "Văn Bình" not in person.text
    assert httpx.get(f"{gateway.url}/api/v1/citizens/{citizen_id}", headers=officer.headers).json()["phone"] == (
        "0911222333"
    )


@pytest.mark.slow
def test_viewer_console_case_page_is_masked(gateway: ServerProcess, make_account: Callable[..., Account]) -> None:
    viewer = make_account("viewer")
    code = file_report(gateway.url)["code"]
    with httpx.Client(base_url=gateway.url, follow_redirects=False) as browser:
        page = browser.get("/staff/login")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"login": viewer.login, "password": viewer.password, "csrf_token": csrf, "next": "/staff"}
        assert browser.post("/staff/login", data=form).status_code == 303
        detail = browser.get(f"/staff/cases/{code}")
        assert detail.status_code == 200
        assert "0911222333" not in detail.text and "079123456789" not in detail.text
