"""Issue 26: /metrics in Prometheus format (behind a token) reports what operators must watch, from the real database
and the real message path, and admins see the same on the console's system-health panel."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import update

from api.cases.models import Case
from api.config import Settings
from api.db import transaction, utcnow
from api.inbox.models import FAILED, InboxEvent
from api.main import create_app
from api.outbox.models import OutboxMessage
from tests.api.cases.conftest import Member
from tests.console.test_console_http import login

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def metrics_app(app: FastAPI, settings: Settings) -> FastAPI:  # ``app`` migrated and seeded the database
    return create_app(settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}))


@pytest.fixture
def client(metrics_app: FastAPI) -> Iterator[TestClient]:  # the case fixtures file through this app
    with TestClient(metrics_app) as test_client:
        yield test_client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token(client: TestClient, settings: Settings) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    with TestClient(create_app(settings)) as unset:  # no token configured: not served at all
        assert unset.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_report_queues_dead_letters_cases_and_the_message_path(
    client: TestClient, metrics_app: FastAPI, file_case: Callable[..., dict[str, Any]]
) -> None:
    before = scrape(client)
    late = file_case(title="Cống bị tắc")
    file_case(title="Cây đổ")
    old = utcnow() - timedelta(minutes=30)
    with transaction(metrics_app.state.sessionmaker) as session:
        session.execute(update(Case).where(Case.code == late["code"]).values(due_at=utcnow() - timedelta(days=1)))
        commune_id = session.scalars(Case.__table__.select().with_only_columns(Case.commune_id).limit(1)).one()
        session.add(
            OutboxMessage(
                commune_id=commune_id, conversation_id="zalo:xa-demo:1", channel="zalo", text="x", created_at=old
            )
        )
        session.add(
            InboxEvent(
                commune_id=commune_id,
                channel="telegram",
                event_id=uuid.uuid4().hex,
                conversation_id="tg:xa-demo:1",
                raw="{}",
                status=FAILED,
                received_at=old,
            )
        )
    # A citizen's message through the real webhook; Rasa is down in this test, so the turn ends "busy".
    reply = client.post(
        "/webhooks/web", json={"sender": f"metrics{uuid.uuid4().hex[:8]}", "message": "cho hỏi làm giấy khai sinh"}
    )
    assert reply.status_code == 200

    after = scrape(client)
    assert value(after, "xaso_rasa_up") == 0
    assert (
        value(after, "xaso_messages_in_total", channel="web")
        == value(before, "xaso_messages_in_total", channel="web") + 1
    )
    assert value(after, "xaso_reply_seconds_count", channel="web", route="busy") == 1 + value(
        before, "xaso_reply_seconds_count", channel="web", route="busy"
    )
    assert value(after, "xaso_rasa_request_seconds_count", endpoint="message", outcome="error") > value(
        before, "xaso_rasa_request_seconds_count", endpoint="message", outcome="error"
    )
    assert value(after, "xaso_outbox_depth", channel="zalo") == 1
    assert 1700 < value(after, "xaso_outbox_oldest_seconds", channel="zalo") < 1900
    assert value(after, "xaso_dead_letters", queue="inbox") == 1
    open_cases = {k[1]: v for k, v in after.items() if k[0] == "xaso_cases_open"}
    overdue = {k[1]: v for k, v in after.items() if k[0] == "xaso_cases_overdue"}
    assert sum(open_cases.values()) == 2 and sum(overdue.values()) == 1
    assert all(dict(labels)["commune"] == "xa-demo" for labels in open_cases)
    assert value(after, "xaso_bulletins", status="draft") == 0  # present, even when there is none


def test_admins_see_the_system_health_panel(
    client: TestClient, admin: Member, officer: Member, file_case: Callable[..., dict[str, Any]], metrics_app: FastAPI
) -> None:
    late = file_case()
    with transaction(metrics_app.state.sessionmaker) as session:
        session.execute(update(Case).where(Case.code == late["code"]).values(due_at=utcnow() - timedelta(days=1)))
    login(client, officer)
    assert client.get("/staff/admin/health", headers={"accept": "text/html"}).status_code == 403
    client.cookies.clear()
    login(client, admin)
    page = client.get("/staff/admin/health")
    assert page.status_code == 200
    assert 'data-testid="health-problems"' in page.text
    assert "Rasa) không phản hồi" in page.text and "1 hồ sơ quá hạn" in page.text
    assert "Chưa có bản sao lưu nào" in page.text
    assert 'href="/staff/admin/health"' in client.get("/staff/admin/staff").text  # in the admin menu
