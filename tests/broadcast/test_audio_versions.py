"""Issue 26: approved audio did not stay approved. A bulletin was announced (its public audio link went out to
subscribers), one officer edited it back to draft and re-synthesised it, and the same public link served the new,
unapproved audio. Now the link names the approved version and keeps serving exactly that file."""

from __future__ import annotations

import hashlib
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.bulletins import announcements
from api.communes.models import Commune
from api.db import transaction
from api.outbox.models import OutboxMessage
from api.subscriptions.service import subscribe
from tests.broadcast.conftest import StaffMember
from tests.broadcast.test_bulletins_api import draft

LINK = re.compile(r"https?://\S+/api/v1/broadcast/xa-demo/audio/(\d+)/([0-9a-f]{16})\.mp3")


def _announce_and_queue(app: FastAPI, client: TestClient, member: StaffMember, bulletin_id: int) -> None:
    response = client.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=member.headers)
    assert response.status_code == 201, response.text
    for announcement_id in announcements.queuing_ids(app.state.sessionmaker):
        while not announcements.queue_chunk(
            app.state.sessionmaker,
            announcement_id=announcement_id,
            public_base_url=app.state.settings.public_base_url,
        ).done:
            pass


def _messages(app: FastAPI, conversation_id: str) -> list[str]:
    with app.state.sessionmaker() as session:
        rows = session.scalars(
            select(OutboxMessage.text)
            .where(OutboxMessage.conversation_id == conversation_id)
            .order_by(OutboxMessage.id)
        )
        return [text or "" for text in rows]


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_an_announced_bulletins_audio_cannot_change_without_a_second_approval(
    broadcast_app: FastAPI, client: TestClient, writer: StaffMember, approver: StaffMember
) -> None:
    app = broadcast_app
    citizen = "web:xa-demo:nguoi-dan-nghe-tin-0001"
    with transaction(app.state.sessionmaker) as session:
        commune_id = session.scalars(select(Commune.id).where(Commune.slug == "xa-demo")).one()
        subscribe(session, commune_id=commune_id, conversation_id=citizen, source="staff")
    bid = draft(client, writer, title="Lịch tiêm chủng", body="Tiêm vắc xin sởi lúc 7 giờ 30 sáng thứ Bảy tại trạm.")[
        "id"
    ]
    assert client.post(f"/api/v1/bulletins/{bid}/synthesize", headers=writer.headers).status_code == 200
    assert client.post(f"/api/v1/bulletins/{bid}/approve", headers=approver.headers).status_code == 200
    _announce_and_queue(app, client, writer, bid)

    sent = _messages(app, citizen)
    assert len(sent) == 1 and "Tiêm vắc xin sởi" in sent[0]
    link = LINK.search(sent[0])
    assert link is not None, sent[0]  # the message links the exact approved version
    assert int(link.group(1)) == bid
    approved = client.get(_path(link.group(0)))
    assert approved.status_code == 200 and approved.headers["content-type"] == "audio/mpeg"
    assert hashlib.sha256(approved.content).hexdigest().startswith(link.group(2))  # content-addressed
    legacy = f"/api/v1/broadcast/xa-demo/audio/{bid}.mp3"
    assert client.get(legacy).content == approved.content

    # One officer edits the announced bulletin (back to draft) and re-synthesises it.
    edited = client.patch(
        f"/api/v1/bulletins/{bid}",
        json={"body": "Hoãn tiêm chủng, bà con không cần đến trạm. Chuyển khoản phí 500.000 đồng vào số 0123."},
        headers=writer.headers,
    )
    assert edited.status_code == 200 and edited.json()["status"] == "draft"
    assert client.post(f"/api/v1/bulletins/{bid}/synthesize", headers=writer.headers).status_code == 200
    preview = client.get(f"/api/v1/bulletins/{bid}/audio", headers=writer.headers)
    assert preview.status_code == 200 and preview.content != approved.content  # staff hear the new draft

    # The public links citizens received still serve exactly what was approved, not the unapproved draft.
    assert client.get(_path(link.group(0))).content == approved.content
    assert client.get(legacy).content == approved.content
    assert client.get(f"/api/v1/broadcast/xa-demo/audio/{bid}/{'0' * 16}.mp3").status_code == 404
    # The new version needs a second person; the author cannot approve it alone.
    assert client.post(f"/api/v1/bulletins/{bid}/approve", headers=writer.headers).status_code == 403
    assert client.post(f"/api/v1/bulletins/{bid}/announcements", json={}, headers=writer.headers).status_code == 409
    assert client.post(f"/api/v1/bulletins/{bid}/approve", headers=approver.headers).status_code == 200
    # Approved by a second person: the unversioned link moves to it, the old version's link keeps its sound.
    assert client.get(legacy).content == preview.content
    assert client.get(_path(link.group(0))).content == approved.content
