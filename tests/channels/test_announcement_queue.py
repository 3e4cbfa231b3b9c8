"""Queueing an announcement (issue 28): the staff's request only records it; the background job counts the recipients,
queues them chunk by chunk with its progress visible in the API and on the bulletin page, and a job killed mid-chunk
or run twice gives every recipient exactly one message."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Table, func, select

from api.bulletins import announcements
from api.bulletins.jobs import queue_announcements
from api.bulletins.models import AnnouncementDelivery
from api.outbox.models import OutboxMessage
from tests.channels.announcing import approved_bulletin, set_hamlets, subscriber
from tests.channels.live import staff_headers
from tests.channels.test_announcements import console_login

RECIPIENTS = [f"tg:xa-demo:{7770000 + n}" for n in range(7)]


@pytest.fixture
def audience(app: FastAPI, commune_id: int) -> list[str]:
    set_hamlets(app)
    for n, conversation in enumerate(RECIPIENTS):
        subscriber(app, commune_id, conversation, "Ấp 3" if n % 2 else "Ấp 4")
    return RECIPIENTS


def messages(app: FastAPI) -> Counter[str]:
    with app.state.sessionmaker() as session:
        rows = session.scalars(select(OutboxMessage.conversation_id).where(OutboxMessage.kind == "announcement"))
        return Counter(rows)


def chunk(app: FastAPI, announcement_id: int, limit: int) -> announcements.Chunk:
    return announcements.queue_chunk(
        app.state.sessionmaker, announcement_id=announcement_id, public_base_url="http://xa.test", limit=limit
    )


async def progress(gateway: httpx.AsyncClient, headers: dict[str, str], bulletin_id: int) -> dict[str, Any]:
    response = await gateway.get(f"/api/v1/bulletins/{bulletin_id}/announcements", headers=headers)
    assert response.status_code == 200, response.text
    (row,) = response.json()
    return {k: row[k] for k in ("status", "queued_count", "recipients")}


async def test_the_request_returns_before_queueing_and_the_progress_shows_queued_of_total(
    app: FastAPI, gateway: httpx.AsyncClient, audience: list[str], commune_id: int
) -> None:
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt nước")
    response = await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    # Nothing was queued inside the request: the job does it.
    assert (body["status"], body["queued_count"], body["recipients"]) == ("queuing", 0, None)
    assert messages(app) == Counter()

    assert chunk(app, body["id"], limit=3) == announcements.Chunk(3, False)
    assert await progress(gateway, headers, bulletin_id) == {"status": "queuing", "queued_count": 3, "recipients": 7}
    await console_login(gateway)
    page = await gateway.get(f"/staff/bulletins/{bulletin_id}")
    shown = re.search(r'data-testid="announcement-progress">([^<]*)<', page.text)
    assert shown is not None and shown.group(1) == "đang xếp hàng: 3 / 7 người"

    await queue_announcements(app)
    assert await progress(gateway, headers, bulletin_id) == {"status": "queued", "queued_count": 7, "recipients": 7}
    page = await gateway.get(f"/staff/bulletins/{bulletin_id}")
    shown = re.search(r'data-testid="announcement-progress">([^<]*)<', page.text)
    assert shown is not None and shown.group(1) == "7 người"
    assert messages(app) == Counter(dict.fromkeys(audience, 1))


async def test_the_count_leaves_out_whom_an_earlier_announcement_of_the_bulletin_reached(
    app: FastAPI, gateway: httpx.AsyncClient, audience: list[str], commune_id: int
) -> None:
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt điện")
    first = await gateway.post(
        f"/api/v1/bulletins/{bulletin_id}/announcements", json={"hamlets": ["Ấp 3"]}, headers=headers
    )
    await queue_announcements(app)
    second = await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=headers)
    chunk(app, second.json()["id"], limit=1)
    response = await gateway.get(f"/api/v1/bulletins/{bulletin_id}/announcements", headers=headers)
    rows = {row["id"]: row for row in response.json()}
    assert rows[first.json()["id"]]["recipients"] == 3  # the odd ones live in Ấp 3
    assert rows[second.json()["id"]]["recipients"] == 4  # the rest: Ấp 3 already has it


async def test_a_job_killed_mid_chunk_then_run_again_queues_everyone_exactly_once(
    app: FastAPI, gateway: httpx.AsyncClient, audience: list[str], commune_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch tiêm chủng")
    response = await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=headers)
    announcement_id = response.json()["id"]
    assert chunk(app, announcement_id, limit=2).queued == 2

    # The process dies in the next chunk after writing its outbox messages, before its delivery rows and cursor.
    def killed(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
        raise SystemExit("killed mid-chunk")

    monkeypatch.setattr(announcements, "insert_rows", killed)
    with pytest.raises(SystemExit):
        chunk(app, announcement_id, limit=2)
    monkeypatch.undo()
    assert sum(messages(app).values()) == 2  # the dead chunk's messages went with its transaction

    # A restarted gateway runs the job, and a second process runs it too: each recipient still gets one message.
    await queue_announcements(app)
    await queue_announcements(app)
    assert messages(app) == Counter(dict.fromkeys(audience, 1))
    with app.state.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(AnnouncementDelivery)) == len(audience)
    assert await progress(gateway, headers, bulletin_id) == {"status": "queued", "queued_count": 7, "recipients": 7}
