"""Helpers for end-to-end channel tests: the gateway served over real HTTP with its workers running, staff with
tokens, and polling for outcomes that arrive asynchronously."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

from api.auth.tokens import issue_token
from api.communes.service import get_commune
from api.db import transaction
from api.staff.models import Role
from api.staff.service import create_staff

T = TypeVar("T")


def wait_until(probe: Callable[[], T], *, timeout: float = 30.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    value = probe()
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {value!r})")


def staff_headers(
    app: FastAPI, *, login: str = "kiemthu.kenh", role: Role = Role.admin, full_name: str = "Cán bộ Văn phòng"
) -> dict[str, str]:
    with transaction(app.state.sessionmaker) as session:
        commune = get_commune(session, slug="xa-demo")
        staff = create_staff(
            session,
            commune_id=commune.id,
            login=login,
            full_name=full_name,
            password="mat-khau-thu-nghiem-1",
            role=role,
        )
        _record, secret = issue_token(session, staff=staff, name="test")
    return {"Authorization": f"Bearer {secret}"}


def handoff_body(conversation_id: str, channel: str) -> dict[str, Any]:
    return {
        "commune": "xa-demo",
        "kind": "handoff",
        "title": "Người dân muốn gặp cán bộ",
        "description": "Chuyển từ chatbot: hỏi về tranh chấp ranh giới đất.",
        "conversation_id": conversation_id,
        "channel": channel,
    }
