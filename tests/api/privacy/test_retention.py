"""Retention: the periodic job deletes messages, photos and audio past their period and anonymises closed cases;
what is younger than its period, still waiting or still open is untouched."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.cases.models import Case
from api.cases.uploads import store_image
from api.db import transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.privacy.erasure import MARKER
from api.privacy.models import DataRequest
from api.privacy.retention import FINISHED, retention_job
from api.routers import background_jobs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _event(app: FastAPI, n: int, *, days_old: int, status: str = "processed") -> int:
    with transaction(app.state.sessionmaker) as session:
        event = InboxEvent(
            commune_id=1, channel="web", event_id=f"ret{n}", conversation_id=f"web:xa-demo:ret{n}",
            raw=json.dumps({"sender": f"ret{n}", "message": "số tôi 0912345678"}), status=status,
            received_at=utcnow() - timedelta(days=days_old),
        )  # fmt: skip
        session.add(event)
        session.flush()
        return event.id


async def test_the_job_deletes_and_anonymises_what_is_past_its_period(
    app: FastAPI, file_case: Callable[..., dict[str, Any]]
) -> None:
    assert "privacy-retention" in [job.name for job in background_jobs(app.state.settings)]
    old, young, waiting = (
        _event(app, 1, days_old=400),
        _event(app, 2, days_old=10),
        _event(app, 3, days_old=400, status="pending"),
    )
    data_dir = Path(app.state.settings.data_dir)
    old_photo = store_image(data_dir, commune_id=1, data=PNG)
    new_photo = store_image(data_dir, commune_id=1, data=PNG)
    old_path = data_dir / "uploads" / "1" / old_photo.rsplit("/", 1)[1]
    stamp = time.time() - 200 * 86400
    os.utime(old_path, (stamp, stamp))
    closed = file_case(contact_phone="0912345678", attachments=[old_photo, new_photo])["code"]
    still_open = file_case(contact_phone="0912345678")["code"]
    recent = file_case(contact_phone="0912345678")["code"]
    with transaction(app.state.sessionmaker) as session:
        long_ago = utcnow() - timedelta(days=6 * 365)
        session.execute(update(Case).where(Case.code == closed).values(status="closed", closed_at=long_ago))
        session.execute(update(Case).where(Case.code == still_open).values(updated_at=long_ago))
        session.execute(update(Case).where(Case.code == recent).values(status="closed", closed_at=utcnow()))

    await retention_job().run(app)  # the job as the runner starts it

    with transaction(app.state.sessionmaker) as session:
        kept = set(session.scalars(select(InboxEvent.id)))
        cases = {c.code: c for c in session.scalars(select(Case))}
        assert old not in kept and {young, waiting} <= kept
        assert cases[closed].description == MARKER and cases[closed].contact_phone is None
        assert cases[closed].category == "giao_thong" and cases[closed].closed_at is not None  # the record stays
        assert cases[still_open].contact_phone == "0912345678"  # open: never touched, however old
        assert cases[recent].contact_phone == "0912345678"  # closed within the period
    assert not old_path.exists()  # past the photo period
    assert not (data_dir / "uploads" / "1" / new_photo.rsplit("/", 1)[1]).exists()  # left with its anonymised case


async def test_an_erasure_waiting_for_an_open_case_is_finished_when_it_closes(
    app: FastAPI, client: TestClient, file_case: Callable[..., dict[str, Any]]
) -> None:
    sender = "forwardedsender0001"
    conversation = f"web:xa-demo:{sender}"
    code = file_case(channel="web", conversation_id=conversation, contact_phone="0912345678")["code"]
    client.post("/webhooks/web", json={"sender": sender, "message": "xóa dữ liệu của tôi"})
    replies = client.post("/webhooks/web", json={"sender": sender, "message": "xác nhận xóa"}).json()
    assert code in replies[0]["text"] and "chuyển cán bộ" in replies[0]["text"]  # kept while the case is handled
    await retention_job().run(app)
    with transaction(app.state.sessionmaker) as session:
        assert session.scalar(select(Case.contact_phone).where(Case.code == code)) == "0912345678"
        assert session.scalar(select(DataRequest.status).where(DataRequest.kind == "erasure")) == "forwarded"
        session.execute(update(Case).where(Case.code == code).values(status="resolved", resolved_at=utcnow()))

    await retention_job().run(app)

    with transaction(app.state.sessionmaker) as session:
        assert session.scalar(select(Case.contact_phone).where(Case.code == code)) is None
        statuses = list(session.scalars(select(DataRequest.status).where(DataRequest.kind == "erasure")))
        assert sorted(statuses) == ["done", "done"]  # the forwarded request, and the erasure that finished it
        told = session.scalars(select(OutboxMessage.text).where(OutboxMessage.conversation_id == conversation)).all()
        assert told == [FINISHED]
