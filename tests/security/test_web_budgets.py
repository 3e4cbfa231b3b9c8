"""Issue 26: anonymous web traffic had no limits. From one address: 60 messages from one sender in 10 s all accepted,
a permanent citizen row for every new chat session, the photo budget reset by opening a new session, 80 event
streams at once, real cases filed as fast as the bot could, and ``POST /api/v1/nlu/parse`` open to anyone. Each abuse
is replayed here against a real gateway process (scripts/start-gateway.sh); an emergency over budget still gets 115.

Budgets are small in these tests (settings); each test speaks from its own address through a trusted proxy."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.conversations.models import Conversation
from tests.security.conftest import SERVICE, Account, redis_url, start_gateway
from tests.support.processes import ServerProcess

BUDGETS = {
    "XASO_FORWARDED_ALLOW_IPS": "127.0.0.1",
    "XASO_WEB_MESSAGES_PER_SENDER_PER_MINUTE": "5",
    "XASO_WEB_SESSIONS_PER_ADDRESS_PER_HOUR": "4",
    "XASO_WEB_UPLOADS_PER_SESSION_PER_HOUR": "20",
    "XASO_WEB_UPLOADS_PER_ADDRESS_PER_HOUR": "3",
    "XASO_WEB_STREAMS_PER_SESSION": "2",
    "XASO_WEB_STREAMS_PER_ADDRESS": "3",
    "XASO_WEB_CASES_PER_SESSION_PER_HOUR": "2",
    "XASO_WEB_CASES_PER_ADDRESS_PER_HOUR": "3",
    "XASO_PRIVACY_NOTICE": "false",
}
EMERGENCY = "1 người bị tai nạn bất tỉnh ở ấp 3, làm sao bây giờ"
SLOW_DOWN = "nhắn hơi nhanh"


def new_sender() -> str:
    return f"phien-{uuid.uuid4().hex[:16]}"


def new_address() -> str:
    """A fresh address per test (budgets may live in a shared Redis across runs)."""
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def say(url: str, sender: str, text: str, address: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{url}/webhooks/web",
        json={"sender": sender, "message": text, "metadata": {"message_id": uuid.uuid4().hex}},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


def slowed(replies: list[dict[str, Any]]) -> bool:
    return any(SLOW_DOWN in (r.get("text") or "") for r in replies)


@pytest.fixture
def budgeted(app: FastAPI, database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    server = start_gateway(database_url, tmp_path, **BUDGETS)
    yield server
    server.stop()


@pytest.mark.slow
def test_one_sender_flooding_gets_a_polite_wait_and_an_emergency_still_gets_115_first(
    app: FastAPI, budgeted: ServerProcess
) -> None:
    sender, address = new_sender(), new_address()
    answered = [say(budgeted.url, sender, f"cho em hỏi thủ tục số {n}", address) for n in range(8)]
    assert [slowed(r) for r in answered] == [False] * 5 + [True] * 3
    polite = answered[-1][0]["text"]
    assert "vui lòng chờ" in polite and "giây" in polite and "115" in polite
    # Over budget, an emergency is screened and answered as usual: the numbers first, never the polite wait.
    emergency = say(budgeted.url, sender, EMERGENCY, address)
    assert emergency and not slowed(emergency)
    assert "115" in emergency[0]["text"][:80], emergency[0]["text"]
    # The flood was neither stored nor sent on: 5 messages and the emergency are in the inbox, not 9.
    with app.state.sessionmaker() as session:
        from api.inbox_events.models import InboxEvent

        stored = session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.conversation_id == f"web:xa-demo:{sender}")
        )
    assert stored == 6


@pytest.mark.slow
def test_new_sessions_per_address_are_bounded_and_opening_one_leaves_no_citizen_row(
    app: FastAPI, budgeted: ServerProcess
) -> None:
    address = new_address()
    senders = [new_sender() for _ in range(5)]
    # Opening the chat ("/start", what the widget sends) and a bare greeting: answered, but no rows are made.
    for sender, text in zip(senders[:3], ("/start", "Xin chào", "/start"), strict=True):
        assert not slowed(say(budgeted.url, sender, text, address))
    say(budgeted.url, senders[3], "đường ấp 2 bị ngập, ai xử lý ạ", address)  # the first real content: rows
    assert slowed(say(budgeted.url, senders[4], "/start", address))  # the fifth session from one address waits
    assert not slowed(say(budgeted.url, new_sender(), "/start", new_address()))  # another address is not affected
    with app.state.sessionmaker() as session:
        rows = session.scalars(
            select(Conversation.conversation_id).where(
                Conversation.conversation_id.in_([f"web:xa-demo:{s}" for s in senders])
            )
        ).all()
        identities = session.scalars(
            select(Conversation.conversation_id).where(
                Conversation.conversation_id.in_([f"web:xa-demo:{s}" for s in senders]),
                Conversation.citizen_id.is_not(None),
            )
        ).all()
    assert rows == [f"web:xa-demo:{senders[3]}"]
    assert identities == [f"web:xa-demo:{senders[3]}"]  # one citizen row, for the one who wrote something


PNG = base64.b64decode(  # a 1×1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def upload(url: str, sender: str, address: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/web/uploads",
        data={"sender": sender},
        files={"file": ("anh.png", PNG, "image/png")},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


@pytest.mark.slow
def test_the_photo_budget_of_an_address_is_not_reset_by_a_new_session(budgeted: ServerProcess) -> None:
    address = new_address()
    first, second = new_sender(), new_sender()
    say(budgeted.url, first, "em gửi ảnh ổ gà", address)
    say(budgeted.url, second, "em gửi thêm ảnh", address)
    assert [upload(budgeted.url, first, address).status_code for _ in range(3)] == [201, 201, 201]
    refused = upload(budgeted.url, second, address)  # a new session from the same address
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "upload_limit" and "ảnh" in error["message"]
    other = new_address()
    say(budgeted.url, new := new_sender(), "ảnh của tôi", other)
    assert upload(budgeted.url, new, other).status_code == 201


async def _streams(url: str, senders: list[str], address: str) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        statuses: list[int] = []
        streams = []
        for sender in senders:
            request = client.build_request(
                "GET", f"{url}/webhooks/web/events", params={"sender": sender}, headers={"X-Forwarded-For": address}
            )
            response = await client.send(request, stream=True)
            statuses.append(response.status_code)
            if response.status_code == 429:  # an API: a 429 with a Vietnamese error body
                error = json.loads(await response.aread())["error"]
                assert error["code"] == "stream_limit" and "cửa sổ chat" in error["message"]
            streams.append(response)
        for response in streams:
            await response.aclose()
        return statuses


@pytest.mark.slow
def test_event_streams_held_at_once_are_bounded_and_freed_when_they_close(budgeted: ServerProcess) -> None:
    address = new_address()
    one = new_sender()
    assert asyncio.run(_streams(budgeted.url, [one, one, one], address)) == [200, 200, 429]  # per session
    other = new_address()
    senders = [new_sender() for _ in range(4)]
    assert asyncio.run(_streams(budgeted.url, senders, other)) == [200, 200, 200, 429]  # per address
    # Closed streams give their place back (the server notices the browser left): poll, with a deadline.
    deadline = time.monotonic() + 15
    while asyncio.run(_streams(budgeted.url, senders[:3], other)) != [200, 200, 200]:
        assert time.monotonic() < deadline, "closed event streams were not released"
        time.sleep(0.2)


@pytest.mark.slow
def test_cases_filed_from_one_web_session_and_address_are_bounded(budgeted: ServerProcess) -> None:
    address = new_address()
    first, second = new_sender(), new_sender()
    say(budgeted.url, first, "đèn đường ấp 3 bị hỏng", address)
    say(budgeted.url, second, "rác đổ bậy ở chợ", address)

    def file(sender: str) -> httpx.Response:
        body = {
            "commune": "xa-demo",
            "kind": "report",
            "category": "giao_thong",
            "title": "Phản ánh",
            "description": "Đèn đường ấp 3 bị hỏng từ tuần trước.",
            "location_text": "Ấp 3",
            "conversation_id": f"web:xa-demo:{sender}",
            "channel": "web",
        }
        return httpx.post(f"{budgeted.url}/api/v1/internal/cases", json=body, headers=SERVICE, timeout=30)

    assert [file(first).status_code for _ in range(3)] == [201, 201, 429]  # per session
    assert [file(second).status_code for _ in range(2)] == [201, 429]  # per address: 3 in all
    refused = file(second).json()["error"]
    assert refused["code"] == "case_limit" and "115" in refused["message"]
    # Zalo and Telegram conversations are limited by their platforms' signatures, not by these budgets.
    zalo = {**{"conversation_id": "zalo:xa-demo:123456789"}}
    body = {
        "commune": "xa-demo",
        "kind": "report",
        "category": "giao_thong",
        "title": "Phản ánh",
        "description": "Ổ gà lớn trước cổng trường.",
        "location_text": "Ấp 2",
        "channel": "zalo",
        **zalo,
    }
    for _ in range(3):
        made = httpx.post(f"{budgeted.url}/api/v1/internal/cases", json=body, headers=SERVICE, timeout=30)
        assert made.status_code == 201, made.text


@pytest.mark.slow
def test_the_parse_endpoint_needs_a_staff_login_or_the_service_token(
    app: FastAPI, budgeted: ServerProcess, make_account: Any
) -> None:
    url = f"{budgeted.url}/api/v1/nlu/parse"
    anonymous = httpx.post(url, json={"text": "làm giấy khai sinh cần gì"})
    assert anonymous.status_code == 401
    officer: Account = make_account("officer")
    # Past the guard, the call reaches Rasa (down in this test: 503), for staff and for the action server.
    assert httpx.post(url, json={"text": "làm giấy khai sinh"}, headers=officer.headers, timeout=30).status_code == 503
    assert httpx.post(url, json={"text": "làm giấy khai sinh"}, headers=SERVICE, timeout=30).status_code == 503


@pytest.mark.slow
def test_budgets_hold_across_gateway_processes_through_redis(app: FastAPI, database_url: str, tmp_path: Path) -> None:
    url = redis_url()
    if url is None:
        pytest.skip("TEST_REDIS_URL is not set (make test sets it when Redis answers on 127.0.0.1:6379)")
    first = start_gateway(database_url, tmp_path / "a", REDIS_URL=url, **BUDGETS)
    second = start_gateway(database_url, tmp_path / "b", REDIS_URL=url, **BUDGETS)
    try:
        sender, address = new_sender(), new_address()
        spread = [say((first, second)[n % 2].url, sender, f"câu hỏi {n}", address) for n in range(7)]
        assert [slowed(r) for r in spread] == [False] * 5 + [True] * 2
    finally:
        first.stop()
        second.stop()
