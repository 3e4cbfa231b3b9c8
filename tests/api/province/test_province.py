"""A province of communes: onboarding (API, console), hamlets as data (the "Ấp 99" case), the province view and the
province role's reach (its own province only, masked, never a commune surface)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.tokens import csrf_token, issue_token
from api.cases.models import Case
from api.communes.models import Commune
from api.db import transaction, utcnow
from api.province.onboarding import CommuneDraft, commune_for_former_name, create_commune, set_hamlets
from api.staff.models import Role
from api.staff.service import create_staff
from tests.channels.announcing import approved_bulletin
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

PASSWORD = "mat-khau-cap-tinh-an-toan-9"
SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def officer_of(app: FastAPI) -> Callable[..., tuple[str, str]]:
    """(API token, console session) of a new account of ``role`` attached to commune ``slug``."""

    def make(slug: str = "xa-demo", role: Role = Role.province_admin) -> tuple[str, str]:
        with transaction(app.state.sessionmaker) as session:
            commune = session.scalars(select(Commune).where(Commune.slug == slug)).one()
            staff = create_staff(
                session, commune_id=commune.id, login=f"t{uuid.uuid4().hex[:8]}", full_name="Cán bộ tỉnh",
                password=PASSWORD, role=role, reuse_hash=True, province=True,
            )  # fmt: skip
            _r, api = issue_token(session, staff=staff, name="test")
            _r, console = issue_token(session, staff=staff, kind="session", name="console")
            return api, console

    return make


def _file(client: TestClient, commune: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "commune": commune, "kind": "report", "category": "giao_thong", "title": "Ổ gà", "description": "Ổ gà lớn.",
        "location_text": "Ấp 2", "conversation_id": f"zalo:{commune}:{uuid.uuid4().int % 10**12}", "channel": "zalo",
        "contact_name": "Trần Văn Riêng", "contact_phone": "0987654321", **overrides,
    }  # fmt: skip
    response = client.post("/api/v1/internal/cases", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture
def second(app: FastAPI) -> str:
    with transaction(app.state.sessionmaker) as session:
        done = create_commune(
            session,
            draft=CommuneDraft(slug="phuong-an-phu", name="UBND phường An Phú", province="tỉnh Demo",
                               admin_code="99002", hamlets=["Khu phố 1", "Khu phố 2"],
                               former_names=["Xã Phú Mỹ (Huyện Cũ)", "Phường An Phú"], template="xa-demo"),
        )  # fmt: skip
        assert done.admin_password is None
    return "phuong-an-phu"


def test_the_province_view_ranks_every_commune_and_the_csv_says_the_same(
    app: FastAPI, client: TestClient, second: str, officer_of: Callable[..., tuple[str, str]]
) -> None:
    for _ in range(3):
        _file(client, "xa-demo")
    urgent = _file(client, second, priority="urgent")
    resolved = _file(client, second)
    with transaction(app.state.sessionmaker) as session:
        mine = select(Case).join(Commune, Commune.id == Case.commune_id).where(Commune.slug == second)
        late = session.scalars(mine.where(Case.code == urgent["code"])).one()
        late.due_at = utcnow() - timedelta(hours=1)  # open and past its deadline
        done = session.scalars(mine.where(Case.code == resolved["code"])).one()
        done.status, done.resolved_at, done.rating = "resolved", done.created_at + timedelta(hours=2), 4
    api, _console = officer_of("xa-demo")
    figures = client.get("/api/v1/province/figures", headers=_headers(api))
    assert figures.status_code == 200, figures.text
    rows = {row["slug"]: row for row in figures.json()}
    assert set(rows) == {"xa-demo", second}
    assert rows["xa-demo"]["cases"] == 3 and rows["xa-demo"]["overdue"] == 0 and rows["xa-demo"]["emergencies"] == 0
    assert rows[second]["cases"] == 2 and rows[second]["emergencies"] == 1 and rows[second]["overdue"] == 1
    assert rows[second]["overdue_share"] == 0.5 and rows[second]["satisfaction"] == 4.0
    assert rows[second]["median_working_hours"] is not None
    assert [r["rank"] for r in figures.json()] == [1, 2] and rows["xa-demo"]["rank"] == 1  # no overdue ranks first
    exported = client.get("/api/v1/province/figures.csv", headers=_headers(api))
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["Hạng", "Mã xã", "Tên xã/phường"]
    by_slug = {row[1]: row for row in table[1:]}
    assert by_slug[second][3:6] == ["2", "1", "0.5"] and by_slug[second][10] == "1"
    outside = client.get("/api/v1/province/figures?start=2026-01-02&end=2026-01-01", headers=_headers(api))
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "invalid_period"


def test_the_drill_down_is_read_only_and_masked_and_stays_in_the_province(
    app: FastAPI, client: TestClient, second: str, officer_of: Callable[..., tuple[str, str]]
) -> None:
    case = _file(client, "xa-demo", title="Trần Văn Riêng báo ổ gà 0987654321")
    consultation = _file(client, "xa-demo", kind="consultation", category=None, title="Hỏi về sốt")
    api, console = officer_of("xa-demo")
    listed = client.get("/api/v1/province/communes/xa-demo/cases", headers=_headers(api))
    assert listed.status_code == 200
    assert case["code"] in listed.text and consultation["code"] not in listed.text  # health talk stays out
    assert "Trần Văn Riêng" not in listed.text and "0987654321" not in listed.text and "Trần V. R." in listed.text
    client.cookies.set("xaso_staff_session", console, path="/staff")
    page = client.get("/staff/province/communes/xa-demo")
    assert page.status_code == 200 and case["code"] in page.text and "0987654321" not in page.text
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/province"
    assert client.get(f"/staff/cases/{case['code']}", follow_redirects=False).status_code == 403
    client.cookies.clear()
    # Another province's officer sees neither the commune nor its figures.
    with transaction(app.state.sessionmaker) as session:
        session.add(Commune(slug="xa-tinh-khac", name="UBND xã Tỉnh Khác", province="tỉnh Khác"))
    other, _ = officer_of("xa-tinh-khac")
    assert client.get("/api/v1/province/communes/xa-demo/cases", headers=_headers(other)).status_code == 404
    assert [r["slug"] for r in client.get("/api/v1/province/figures", headers=_headers(other)).json()] == [
        "xa-tinh-khac"
    ]
    # A commune's admin is refused the province's routes; the province officer every commune route.
    admin, _ = officer_of("xa-demo", Role.admin)
    assert client.get("/api/v1/province/figures", headers=_headers(admin)).status_code == 403
    assert client.get("/api/v1/cases", headers=_headers(api)).status_code == 403


def test_a_commune_admin_cannot_grant_the_province_role(
    client: TestClient, officer_of: Callable[..., tuple[str, str]]
) -> None:
    admin, _ = officer_of("xa-demo", Role.admin)
    body = {"login": "tinh.gia", "full_name": "Giả Mạo", "password": PASSWORD, "role": "province_admin"}
    response = client.post("/api/v1/staff", json=body, headers=_headers(admin))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_role"


def test_onboarding_over_the_api_and_the_console(
    app: FastAPI, client: TestClient, officer_of: Callable[..., tuple[str, str]]
) -> None:
    api, console = officer_of("xa-demo")
    body = {
        "slug": "xa-tan-hoa", "name": "UBND xã Tân Hòa", "admin_code": "29001", "office_hours": "7h–17h",
        "hotline": "0270 3 111 222", "address": "Ấp Tân Lập", "hamlets": ["Ấp Tân Lập", "Ấp 2", "ấp hai"],
        "former_names": ["Xã Tân Hòa", "Xã Hòa Lợi"], "admin_login": "admin.tanhoa", "zalo_oa_id": "4321",
    }  # fmt: skip
    duplicate = client.post("/api/v1/province/communes", json=body, headers=_headers(api))
    assert duplicate.status_code == 422 and "ấp hai" in duplicate.json()["error"]["message"]  # "Ấp 2" twice
    body["hamlets"] = ["Ấp Tân Lập", "Ấp 2"]
    created = client.post("/api/v1/province/communes", json=body, headers=_headers(api))
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["province"] == "tỉnh Demo" and data["hamlets"] == ["Ấp Tân Lập", "Ấp 2"] and data["admin_password"]
    again = client.post("/api/v1/province/communes", json=body, headers=_headers(api))
    assert again.status_code == 409 and again.json()["error"]["code"] == "commune_exists"
    login = client.post("/api/v1/auth/login", json={"login": "admin.tanhoa", "password": data["admin_password"]})
    assert login.status_code == 200, login.text
    with transaction(app.state.sessionmaker) as session:
        assert commune_for_former_name(session, name="hoa loi").slug == "xa-tan-hoa"  # type: ignore[union-attr]
        commune = session.scalars(select(Commune).where(Commune.slug == "xa-tan-hoa")).one()
        assert commune.admin_code == "29001" and commune.hotline == "0270 3 111 222"
    assert client.get("/api/v1/routing-rules", headers=_headers(login.json()["token"])).json()  # template copied
    client.cookies.set("xaso_staff_session", console, path="/staff")
    csrf = csrf_token(app.state.settings.secret_key.get_secret_value(), console)
    form = {
        "csrf_token": csrf, "slug": "xa-hoa-loi", "name": "UBND xã Hòa Lợi", "hamlets": "ten\nẤp 1\nẤp 2\n",
        "former_names": "Xã Hòa Lợi Cũ", "template": "xa-demo", "admin_login": "admin.hoaloi",
    }  # fmt: skip
    page = client.post("/staff/province/communes", data=form)
    assert page.status_code == 201
    shown = re.search(r"mật khẩu một lần:\s*<strong>([^<]+)</strong>", page.text)
    assert shown, page.text
    listing = client.get("/staff/province")
    assert "UBND xã Hòa Lợi" in listing.text and "UBND xã Tân Hòa" in listing.text


def test_an_announcement_to_an_unknown_hamlet_is_refused_by_name(
    app: FastAPI, client: TestClient, officer_of: Callable[..., tuple[str, str]]
) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalars(select(Commune.id).where(Commune.slug == "xa-demo")).one()
    bulletin = approved_bulletin(app, commune_id, title="Lịch cắt điện")
    officer, _ = officer_of("xa-demo", Role.officer)
    url = f"/api/v1/bulletins/{bulletin}/announcements"
    no_list = client.post(url, json={"hamlets": ["Ấp 99"]}, headers=_headers(officer))
    assert no_list.status_code == 422 and no_list.json()["error"]["code"] == "no_hamlet_list"
    assert "Ấp 99" in no_list.json()["error"]["message"]
    with transaction(app.state.sessionmaker) as session:
        set_hamlets(session, commune=session.get(Commune, commune_id), names=["Ấp 1", "Ấp 2", "Ấp 3"])  # type: ignore[arg-type]
    unknown = client.post(url, json={"hamlets": ["Ấp 99"]}, headers=_headers(officer))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_hamlet"
    assert "Ấp 99" in unknown.json()["error"]["message"] and "Ấp 3" in unknown.json()["error"]["message"]
    known = client.post(url, json={"hamlets": ["ap 3"]}, headers=_headers(officer))
    assert known.status_code == 201 and known.json()["hamlets"] == ["Ấp 3"]
