"""Zalo OA: signatures, parsing of real-shaped events, dedupe, the 2,000-character split, token rotation, error codes,
and an API outage — against the fake Zalo server over real HTTP."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update

from api.channel_accounts.models import ChannelAccount
from api.conversations.messages import BUSY_TEXT
from api.db import transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from api.outbox.worker import deliver_due
from channels.zalo.connector import ZaloChannel
from tests.channels.conftest import OA_SECRET, drain, fixture, make_due, zalo_signature
from tests.support.fake_zalo import FakeZalo

UID = "2468013579246801357"
CONV = f"zalo:xa-demo:{UID}"


async def post_zalo(
    gateway: httpx.AsyncClient, payload: dict[str, Any], *, app_id: str, secret: str = OA_SECRET, **headers: str
) -> httpx.Response:
    if abs(time.time() - int(str(payload.get("timestamp") or 0)) / 1000) > 600:
        payload["timestamp"] = str(int(time.time() * 1000))  # fresh: signed events older than 15 min are refused
    body = json.dumps(payload, ensure_ascii=False).encode()
    signed = {"X-ZEvent-Signature": zalo_signature(body, app_id=app_id, secret=secret)}
    return await gateway.post(
        "/webhooks/zalo/xa-demo", content=body, headers={"Content-Type": "application/json", **signed, **headers}
    )


def count(app: FastAPI, model: Any) -> int:
    with app.state.sessionmaker() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def outbox(app: FastAPI) -> list[OutboxMessage]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def enqueue(app: FastAPI, commune_id: int, text: str, conversation: str = CONV, **kwargs: Any) -> int:
    with transaction(app.state.sessionmaker) as session:
        return enqueue_message(session, commune_id=commune_id, conversation_id=conversation, text=text, **kwargs).id


async def test_signed_event_is_stored_once_and_redelivery_dropped(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo
) -> None:
    payload = fixture("zalo/user_send_text.json")
    first = await post_zalo(gateway, payload, app_id=zalo_account.app_id)
    again = await post_zalo(gateway, payload, app_id=zalo_account.app_id, **{"num_retry": "1"})
    assert first.status_code == 200 and first.json()["stored"] is True
    assert again.status_code == 200 and again.json()["duplicate"] is True
    with app.state.sessionmaker() as session:
        rows = list(session.scalars(select(InboxEvent)))
    assert [(r.event_id, r.conversation_id, r.status) for r in rows] == [("96b6f3a1d5e1f5b1c3a0", CONV, "pending")]
    assert json.loads(rows[0].raw) == payload  # the raw event, as received


@pytest.mark.parametrize(
    ("how", "status"),
    [("wrong-secret", 401), ("missing", 401), ("tampered", 401), ("garbage", 401)],
)
async def test_forged_or_unsigned_events_are_rejected_and_not_stored(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, how: str, status: int
) -> None:
    payload = fixture("zalo/user_send_text.json")
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if how == "wrong-secret":
        headers["X-ZEvent-Signature"] = zalo_signature(body, app_id=zalo_account.app_id, secret="not-the-secret")
    elif how == "tampered":
        headers["X-ZEvent-Signature"] = zalo_signature(body, app_id=zalo_account.app_id)
        body = body.replace("giấy".encode(), "tiền".encode())
        assert "tiền".encode() in body
    elif how == "garbage":
        headers["X-ZEvent-Signature"] = "mac=deadbeef"
    response = await gateway.post("/webhooks/zalo/xa-demo", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == "webhook_not_authenticated"
    assert count(app, InboxEvent) == 0


async def test_commune_without_zalo_account_is_refused(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    body = json.dumps(fixture("zalo/user_send_text.json")).encode()
    sig = zalo_signature(body, app_id="1234567890123456789")
    response = await gateway.post("/webhooks/zalo/xa-demo", content=body, headers={"X-ZEvent-Signature": sig})
    assert response.status_code == 403
    unknown = await gateway.post("/webhooks/zalo/xa-khong-co", content=body, headers={"X-ZEvent-Signature": sig})
    assert unknown.status_code == 404
    assert count(app, InboxEvent) == 0


async def test_signature_variant_with_the_app_secret(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo
) -> None:
    with transaction(app.state.sessionmaker) as session:
        account = session.scalar(select(ChannelAccount))
        assert account is not None
        account.config = {**account.config, "signature_key": "app_secret"}
    payload = fixture("zalo/user_send_text.json")
    rejected = await post_zalo(gateway, payload, app_id=zalo_account.app_id)  # signed with the OA key: wrong now
    accepted = await post_zalo(gateway, payload, app_id=zalo_account.app_id, secret=zalo_account.app_secret)
    assert (rejected.status_code, accepted.status_code) == (401, 200)


def test_events_are_parsed_with_string_ids() -> None:
    channel = ZaloChannel()
    text = channel.parse(fixture("zalo/user_send_text.json"), commune="xa-demo")[0]
    assert (text.kind, text.user_id, text.conversation_id, text.text) == (
        "text",
        UID,
        CONV,
        "Làm giấy khai sinh cần giấy tờ gì?",
    )
    image = channel.parse(fixture("zalo/user_send_image.json"), commune="xa-demo")[0]
    assert image.kind == "image" and image.attachments == ("https://photo-stal-2.zdn.vn/full/abc.jpg",)
    assert image.text == "Ổ gà trước nhà văn hoá ấp 3"
    for name in ("user_send_location", "user_send_location_latlong", "user_send_location_message"):
        location = channel.parse(fixture(f"zalo/{name}.json"), commune="xa-demo")[0]
        assert (location.kind, location.latitude, location.longitude) == ("location", 10.776889, 106.700806), name
    assert channel.parse(fixture("zalo/user_send_location_message.json"), commune="x")[0].event_id == (
        "b2c3d4e5f60718293a4d"  # the `mid` spelling
    )
    file = channel.parse(fixture("zalo/user_send_file.json"), commune="xa-demo")[0]
    assert file.kind == "file" and file.extra["file_name"] == "don-de-nghi.pdf"
    assert channel.parse(fixture("zalo/user_send_sticker.json"), commune="xa-demo")[0].kind == "sticker"
    follow = channel.parse(fixture("zalo/follow.json"), commune="xa-demo")[0]
    assert (follow.kind, follow.user_id, follow.event_id) == ("follow", UID, f"follow:{UID}:1764064700123")
    assert channel.parse(fixture("zalo/unfollow.json"), commune="xa-demo")[0].kind == "unfollow"
    info = channel.parse(fixture("zalo/user_submit_info.json"), commune="xa-demo")[0]
    assert (info.kind, info.display_name, info.phone) == ("contact", "Nguyễn Văn An", "0912345678")
    assert channel.parse(fixture("zalo/oa_send_text.json"), commune="xa-demo") == []


async def test_echoes_of_our_own_messages_are_ignored(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo
) -> None:
    response = await post_zalo(gateway, fixture("zalo/oa_send_text.json"), app_id=zalo_account.app_id)
    assert response.status_code == 200 and response.json()["stored"] is False
    assert count(app, InboxEvent) == 0


async def test_long_text_is_split_on_sentences_with_buttons_and_image(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    sentences = [f"Câu số {i} nói về hồ sơ khai sinh và các giấy tờ cần chuẩn bị." for i in range(90)]
    text = " ".join(sentences)
    assert len(text) > 4000
    buttons = [{"title": "Lệ phí", "payload": '/ask_procedure{"aspect":"fee"}'}]
    enqueue(app, commune_id, text, buttons=buttons, image_url="https://example.org/quy-trinh.png")
    await drain(app)
    bodies = zalo_account.sent
    texts = [b["message"].get("text") for b in bodies if "text" in b["message"]]
    assert len(texts) == 3 and all(len(t) <= 2000 for t in texts)
    assert all(t.endswith(".") for t in texts)
    assert " ".join(texts) == text
    assert bodies[2]["message"]["attachment"]["payload"]["buttons"][0] == {
        "title": "Lệ phí",
        "type": "oa.query.hide",
        "payload": '/ask_procedure{"aspect":"fee"}',
    }
    media = bodies[3]["message"]["attachment"]["payload"]
    assert media["template_type"] == "media" and media["elements"][0]["url"] == "https://example.org/quy-trinh.png"
    assert {b["recipient"]["user_id"] for b in bodies} == {UID}
    assert [m.status for m in outbox(app)] == ["sent"]


async def test_token_rejected_is_refreshed_persisted_and_retried_once(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    zalo_account.expire_access_tokens()
    enqueue(app, commune_id, "Tin thứ nhất.")
    await drain(app)
    assert zalo_account.texts() == ["Tin thứ nhất."]
    assert [c["access_token"] for c in zalo_account.calls] == ["access-0", "access-1"]
    assert zalo_account.refreshes[0]["refresh_token"] == "refresh-0"
    assert zalo_account.refreshes[0]["secret_key"] == zalo_account.app_secret
    with app.state.sessionmaker() as session:
        account = session.scalar(select(ChannelAccount))
        assert account is not None
        assert (account.access_token, account.refresh_token, account.token_version) == ("access-1", "refresh-1", 1)
    # The next rotation must use the rotated (single-use) refresh token that was stored.
    zalo_account.expire_access_tokens()
    enqueue(app, commune_id, "Tin thứ hai.")
    await drain(app)
    assert zalo_account.texts() == ["Tin thứ nhất.", "Tin thứ hai."]
    assert [r["refresh_token"] for r in zalo_account.refreshes] == ["refresh-0", "refresh-1"]


async def test_token_near_expiry_is_refreshed_before_sending(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    with transaction(app.state.sessionmaker) as session:
        session.execute(update(ChannelAccount).values(access_token_expires_at=utcnow() - timedelta(minutes=1)))
    enqueue(app, commune_id, "Xin chào.")
    await drain(app)
    assert [c["access_token"] for c in zalo_account.calls] == ["access-1"]
    assert len(zalo_account.refreshes) == 1


async def test_a_refresh_that_fails_is_retried_later_not_lost(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    zalo_account.expire_access_tokens()
    zalo_account.refresh_tokens.clear()  # the OA was disconnected: refreshing fails
    enqueue(app, commune_id, "Xin chào.")
    await drain(app)
    [message] = outbox(app)
    assert message.status == "pending" and "kết nối lại OA" in (message.last_error or "")
    zalo_account.refresh_tokens.add("refresh-0")
    make_due(app)
    await drain(app)
    assert zalo_account.texts() == ["Xin chào."]


@pytest.mark.parametrize(("code", "words"), [(-230, "7 ngày"), (-213, "quan tâm"), (-201, "tham số")])
async def test_undeliverable_errors_are_recorded_for_staff_and_not_retried(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int, code: int, words: str
) -> None:
    zalo_account.fail_next.append(code)
    enqueue(app, commune_id, "Cán bộ trả lời: hồ sơ đã xong.", case_id=42, kind="staff_reply")
    await drain(app)
    make_due(app)
    await drain(app)
    [message] = outbox(app)
    reason = message.last_error or ""
    assert message.status == "failed" and words in reason and str(code) in reason
    assert len(zalo_account.calls) == 1 and zalo_account.sent == []


async def test_rate_limit_is_retried_later_and_delivered_once(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    zalo_account.fail_next.append(-32)
    enqueue(app, commune_id, "Thông báo lịch tiếp dân.")
    await drain(app)
    [message] = outbox(app)
    assert message.status == "pending" and "-32" in (message.last_error or "")
    from api.infra.leasing import as_utc

    assert as_utc(message.next_attempt_at) > utcnow() + timedelta(seconds=50)  # type: ignore[operator]
    await drain(app)  # not due yet: nothing is sent
    assert zalo_account.sent == []
    make_due(app)
    await drain(app)
    assert zalo_account.texts() == ["Thông báo lịch tiếp dân."]


async def test_a_split_message_interrupted_midway_resends_only_the_rest(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    text = " ".join(f"Đoạn {i} của hướng dẫn chi tiết về thủ tục." for i in range(100))
    zalo_account.fail_at[2] = -32  # the platform accepts part 1, then rate-limits part 2
    enqueue(app, commune_id, text)
    await deliver_due(app)
    assert len(zalo_account.sent) == 1
    [message] = outbox(app)
    assert (message.status, message.parts_sent) == ("pending", 1)
    make_due(app)
    await drain(app)
    texts = zalo_account.texts()
    assert " ".join(texts) == text  # every part once, in order, none repeated


async def test_outage_then_recovery_loses_nothing_and_doubles_nothing(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    zalo_account.down = True
    for i in range(4):
        enqueue(app, commune_id, f"Tin {i} cho An.")
        enqueue(app, commune_id, f"Tin {i} cho Bình.", conversation="zalo:xa-demo:1111")
    for _ in range(3):
        await drain(app)
        make_due(app)
    assert zalo_account.sent == [] and len(zalo_account.calls) >= 6
    assert {m.status for m in outbox(app)} == {"pending"}
    zalo_account.down = False
    make_due(app)
    await drain(app)
    assert zalo_account.texts(UID) == [f"Tin {i} cho An." for i in range(4)]
    assert zalo_account.texts("1111") == [f"Tin {i} cho Bình." for i in range(4)]
    assert {m.status for m in outbox(app)} == {"sent"}


async def test_citizen_gets_one_busy_reply_while_rasa_is_down(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo
) -> None:
    # The test settings point Rasa at a closed port: it is down.
    await post_zalo(gateway, fixture("zalo/user_send_text.json"), app_id=zalo_account.app_id)
    await drain(app)
    make_due(app)
    await drain(app)
    assert zalo_account.texts() == [BUSY_TEXT]
    with app.state.sessionmaker() as session:
        event = session.scalar(select(InboxEvent))
        assert event is not None
        assert (event.status, event.busy_notified, event.attempts) == ("pending", True, 2)
