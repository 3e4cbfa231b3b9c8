"""The security perimeter's tests: each replays an attack from issue 11 against real processes (the gateway under
uvicorn, the action server, Rasa) started by the same scripts as `make run`."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.auth.tokens import issue_token
from api.communes.models import Commune
from api.db import transaction
from api.staff.models import Role
from api.staff.service import create_staff, find_department
from tests.support.gateway_fixtures import TEST_RASA_TOKEN, TEST_SERVICE_TOKEN
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server

# Strong enough for the password policy, and known to the tests.
PASSWORD = "ca-phe sua-da ven-song 17"
_logins = itertools.count(1)


def gateway_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "XASO_DATABASE_URL": database_url,
        "XASO_DATA_DIR": str(data_dir),
        "XASO_RASA_URL": "http://127.0.0.1:9",
        "XASO_RASA_TOKEN": TEST_RASA_TOKEN,
        "XASO_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "XASO_DEFAULT_COMMUNE": "xa-demo",
        "XASO_RUN_BACKGROUND_JOBS": "false",
        "XASO_FORWARDED_ALLOW_IPS": "",
        "XASO_ENV": "test",
        **extra,
        # Both names, so a REDIS_URL in the developer's environment never leaks into a test that did not ask.
        "REDIS_URL": extra.get("REDIS_URL", ""),
        "XASO_REDIS_URL": extra.get("REDIS_URL", ""),
    }


def start_gateway(database_url: str, work: Path, **extra: str) -> ServerProcess:
    """The gateway as `make run` starts it (scripts/start-gateway.sh) on a free port, with extra settings."""
    port = free_port()
    env = {**gateway_env(database_url, work / "data", **extra), "XASO_GATEWAY_PORT": str(port)}
    return start_server(
        f"gateway-{port}",
        [str(ROOT / "scripts" / "start-gateway.sh")],
        url=f"http://127.0.0.1:{port}",
        ready_path="/api/v1/communes/xa-demo",
        log_dir=work,
        env=env,
        timeout=60,
    )


@pytest.fixture
def gateway(app: FastAPI, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """One gateway process over the test database (seeded by the ``app`` fixture)."""
    server = start_gateway(database_url, tmp_path)
    yield server
    server.stop()


@dataclass
class Account:
    id: int
    login: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_account(app: FastAPI) -> Callable[..., Account]:
    def make(role: str = "officer", *, must_change_password: bool = False, department: str = "dia_chinh") -> Account:
        with transaction(app.state.sessionmaker) as session:
            commune = session.scalars(select(Commune).where(Commune.slug == "xa-demo")).one()
            dept = find_department(session, commune_id=commune.id, code=department)
            login = f"sec{next(_logins)}.{uuid.uuid4().hex[:6]}"
            staff = create_staff(
                session,
                commune_id=commune.id,
                login=login,
                full_name=f"Cán bộ {role}",
                password=PASSWORD,
                role=Role(role),
                department_id=dept.id if dept else None,
                reuse_hash=True,
                must_change_password=must_change_password,
            )
            _record, secret = issue_token(session, staff=staff, name="test")
            return Account(staff.id, login, PASSWORD, secret)

    return make


SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}


def file_report(base_url: str, **overrides: Any) -> dict[str, Any]:
    """A report filed the way the action server files one (internal API, service token)."""
    body = {
        "commune": "xa-demo",
        "kind": "report",
        "category": "giao_thong",
        "title": "Ổ gà trước nhà",
        "description": "Đường trước nhà tôi có ổ gà lớn, tôi là Nguyễn Văn Bình, số 0911222333, CCCD 079123456789.",
        "location_text": "Số 12 đường Lê Lợi, ấp 2",
        "latitude": 10.045213,
        "longitude": 105.746912,
        "conversation_id": f"zalo:xa-demo:{uuid.uuid4().int % 10**18:018d}",
        "channel": "zalo",
        "contact_name": "Nguyễn Văn Bình",
        "contact_phone": "0911222333",
        **overrides,
    }
    response = httpx.post(f"{base_url}/api/v1/internal/cases", json=body, headers=SERVICE, timeout=10)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def redis_url() -> str | None:
    """Real Redis for cross-process tests (TEST_REDIS_URL, which `make test` sets when Redis answers), None when not
    configured. Configured but not answering is a failure, never a skip: a skip would hide the broken service."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.fail(f"TEST_REDIS_URL={url} is set but Redis does not answer: {exc}")
    return url
