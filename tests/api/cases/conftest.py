"""Fixtures for case management: staff of two communes with tokens, and a helper that files cases like the bot."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.auth.tokens import issue_token
from api.cases.seed import seed_cases_domain
from api.communes.models import Commune
from api.db import transaction
from api.staff.models import Role
from api.staff.service import create_staff, find_department
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

PASSWORD = "mat-khau-thu-nghiem-1"
SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}
_counter = itertools.count(1)


@dataclass
class Member:
    id: int
    login: str
    role: str
    commune: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def other_commune(app: FastAPI) -> str:
    with transaction(app.state.sessionmaker) as session:
        commune = Commune(slug="xa-khac", name="UBND xã Bình An", province="tỉnh Demo")
        session.add(commune)
        session.flush()
        seed_cases_domain(session, commune=commune)
    return "xa-khac"


@pytest.fixture
def make_staff(app: FastAPI) -> Callable[..., Member]:
    def make(role: str = "officer", *, commune: str = "xa-demo", department: str | None = None) -> Member:
        login = f"{role.replace('_', '')}{next(_counter)}.{commune}"
        with transaction(app.state.sessionmaker) as session:
            commune_row = session.query(Commune).filter_by(slug=commune).one()
            dept = find_department(session, commune_id=commune_row.id, code=department) if department else None
            staff = create_staff(
                session,
                commune_id=commune_row.id,
                login=login,
                full_name=f"Cán bộ {login}",
                password=PASSWORD,
                role=Role(role),
                department_id=dept.id if dept else None,
                reuse_hash=True,
            )
            _record, secret = issue_token(session, staff=staff, name="test")
            return Member(staff.id, login, role, commune, secret)

    return make


@pytest.fixture
def officer(make_staff: Callable[..., Member]) -> Member:
    return make_staff("officer", department="dia_chinh")


@pytest.fixture
def admin(make_staff: Callable[..., Member]) -> Member:
    return make_staff("admin", department="van_phong")


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "commune": "xa-demo",
        "kind": "report",
        "category": "giao_thong",
        "title": "Ổ gà lớn trên đường liên ấp",
        "description": "Đoạn đường trước trường tiểu học có ổ gà sâu, xe máy dễ té.",
        "location_text": "ấp 3, gần trường tiểu học",
        "latitude": 10.01,
        "longitude": 105.7,
        "attachments": ["https://example.org/anh/o-ga.jpg"],
        "priority": "normal",
        "conversation_id": "zalo:xa-demo:10001",
        "channel": "zalo",
        "contact_name": "Nguyễn Văn An",
        "contact_phone": "0909123456",
    }
    body.update(overrides)
    return body


@pytest.fixture
def file_case(client: TestClient) -> Callable[..., dict[str, Any]]:
    def file(**overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/internal/cases", json=case_body(**overrides), headers=SERVICE)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    return file
