"""Fixtures for the broadcast tests: the fake edge-tts service and broadcast settings in a temporary place."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.auth.tokens import issue_token
from api.communes.models import Commune
from api.db import transaction
from api.staff.models import Role
from api.staff.service import create_staff
from broadcast.settings import BroadcastSettings
from tests.broadcast.fake_edge import FakeEdgeService, RunningFake


@pytest.fixture(scope="session")
def _running_fake() -> Iterator[FakeEdgeService]:
    fake = RunningFake()
    service = fake.start()
    yield service
    fake.stop()


@pytest.fixture
def fake_edge(_running_fake: FakeEdgeService) -> FakeEdgeService:
    _running_fake.handshake_failures.clear()
    _running_fake.requests.clear()
    _running_fake.drop_streams = 0
    _running_fake.connections = 0
    return _running_fake


@pytest.fixture
def broadcast_settings(fake_edge: FakeEdgeService, tmp_path: Path) -> BroadcastSettings:
    return BroadcastSettings(
        edge_endpoint=fake_edge.endpoint,
        edge_attempts=3,
        edge_backoff_seconds=0.01,
        piper_model=None,
    )


@dataclass
class StaffMember:
    id: int
    token: str
    login: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


_logins = itertools.count(1)
PASSWORD = "mat-khau-phat-thanh-1"


@pytest.fixture
def make_member(app: FastAPI) -> Callable[..., StaffMember]:
    def make(role: str = "officer", commune: str = "xa-demo") -> StaffMember:
        with transaction(app.state.sessionmaker) as session:
            commune_row = session.scalars(select(Commune).where(Commune.slug == commune)).one()
            login = f"bt{next(_logins)}.{commune}"
            staff = create_staff(
                session,
                commune_id=commune_row.id,
                login=login,
                full_name=f"Cán bộ văn hóa {role}",
                password=PASSWORD,
                role=Role(role),
                reuse_hash=True,
            )
            _record, secret = issue_token(session, staff=staff, name="test")
            return StaffMember(staff.id, secret, login)

    return make


@pytest.fixture
def broadcast_app(app: FastAPI, broadcast_settings: BroadcastSettings) -> FastAPI:
    """The gateway with broadcast settings pointing edge-tts at the fake service."""
    app.state.broadcast_settings = broadcast_settings
    return app


@pytest.fixture
def writer(make_member: Callable[..., StaffMember], broadcast_app: FastAPI) -> StaffMember:
    return make_member("officer")


@pytest.fixture
def approver(make_member: Callable[..., StaffMember], broadcast_app: FastAPI) -> StaffMember:
    return make_member("officer")


@pytest.fixture
def other_commune_member(make_member: Callable[..., StaffMember], broadcast_app: FastAPI) -> StaffMember:
    with transaction(broadcast_app.state.sessionmaker) as session:
        session.add(Commune(slug="xa-khac", name="UBND xã Bình An", province="tỉnh Demo"))
    return make_member("officer", commune="xa-khac")
