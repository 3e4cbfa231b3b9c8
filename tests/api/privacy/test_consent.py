"""Explicit consent before health details are stored in a consultation, and its withdrawal honoured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.cases.consent import WITHHELD_TEXT
from api.cases.models import Case
from api.db import transaction
from api.privacy.erasure import MARKER

SENDER = "consentsender00001"
CONV = f"web:xa-demo:{SENDER}"
HEALTH = "con tôi bị hen suyễn, đang dùng thuốc xịt"


def _stored(app: FastAPI, code: str) -> str:
    with transaction(app.state.sessionmaker) as session:
        return str(session.scalar(select(Case.description).where(Case.code == code)))


def test_health_details_wait_for_consent_and_go_when_it_is_withdrawn(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]]
) -> None:
    consult: dict[str, Any] = {"kind": "consultation", "category": None, "channel": "web", "conversation_id": CONV}
    before = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, before) == WITHHELD_TEXT  # no consent yet: the case exists, its health text was never kept
    emergency = file_case(**consult, title="KHẨN CẤP", description=HEALTH, priority="urgent")["code"]
    assert _stored(app, emergency) == HEALTH  # protecting life: the law's exception, stored as told

    replies = client.post("/webhooks/web", json={"sender": SENDER, "message": "Đồng ý lưu thông tin sức khỏe"}).json()
    assert any("đồng ý lưu thông tin sức khỏe" in r["text"] for r in replies)
    after = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, after) == HEALTH

    client.post("/webhooks/web", json={"sender": SENDER, "message": "rút lại đồng ý"})
    assert _stored(app, after) == MARKER and _stored(app, emergency) == MARKER  # no health details kept
    again = file_case(**consult, title="Hen suyễn", description=HEALTH)["code"]
    assert _stored(app, again) == WITHHELD_TEXT
