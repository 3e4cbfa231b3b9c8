"""Attacks 7 and 8b: a Telegram update with the valid secret but an odd shape gave 500 (Telegram retries 500s for
hours); a signed Zalo event dated 2000 was accepted; web and NLU endpoints read 20 MB JSON bodies in full."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.channel_accounts.service import upsert_account
from api.communes.service import get_commune
from api.db import transaction
from api.inbox_events.models import InboxEvent
from tests.support.processes import ServerProcess

TG_SECRET = "tg-secret-for-security-tests-0123"
ZALO_APP_ID = "1234567890123456789"
ZALO_SECRET = "zalo-oa-secret-for-security-tests"


@pytest.fixture
def accounts(app: FastAPI) -> None:
    with transaction(app.state.sessionmaker) as session:
        commune_id = get_commune(session, slug="xa-demo").id
        upsert_account(
            session,
            commune_id=commune_id,
            channel="telegram",
            config={"api_base": "http://127.0.0.1:9"},
            secrets={"bot_token": "123:abc", "webhook_secret": TG_SECRET},
        )
        upsert_account(
            session,
            commune_id=commune_id,
            channel="zalo",
            config={"app_id": ZALO_APP_ID, "api_base": "http://127.0.0.1:9", "oauth_base": "http://127.0.0.1:9"},
            secrets={"app_secret": "app-secret", "oa_secret_key": ZALO_SECRET},
            access_token="a",
            refresh_token="r",
            expires_in=90000,
        )


def stored_events(app: FastAPI) -> int:
    with app.state.sessionmaker() as session:
        return int(session.scalar(select(func.count(InboxEvent.id))) or 0)


ODD_UPDATES = [
    {"message": 5},
    {"update_id": 7, "message": 5},
    {"update_id": 8, "message": {"message_id": 1, "text": "không có chat"}},
    {"update_id": 9, "message": {"message_id": 1, "chat": "nhóm", "text": "chat là chuỗi"}},
    {"update_id": 10, "callback_query": {"id": "1", "data": "x"}},
    {"update_id": "mười một"},
    [1, 2, 3],
    "chuỗi",
]


@pytest.mark.slow
def test_an_odd_telegram_update_is_acknowledged_and_ignored(
    app: FastAPI, accounts: None, gateway: ServerProcess, subtests: pytest.Subtests
) -> None:
    """One gateway process for every odd shape (a process start costs seconds); each shape is its own subtest."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    for update in ODD_UPDATES:
        with subtests.test(update=json.dumps(update, ensure_ascii=False)[:40]):
            response = httpx.post(f"{gateway.url}/webhooks/telegram/xa-demo", json=update, headers=headers)
            assert response.status_code == 200, response.text
            assert response.json()["ignored"] and response.json()["stored"] is False
            assert stored_events(app) == 0


@pytest.mark.slow
def test_an_odd_telegram_update_without_the_secret_is_still_refused(accounts: None, gateway: ServerProcess) -> None:
    response = httpx.post(f"{gateway.url}/webhooks/telegram/xa-demo", json={"message": 5})
    assert response.status_code == 401


def _zalo(body: bytes) -> dict[str, str]:
    timestamp = str(json.loads(body)["timestamp"])
    mac = hashlib.sha256(ZALO_APP_ID.encode() + body + timestamp.encode() + ZALO_SECRET.encode()).hexdigest()
    return {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


def _zalo_event(timestamp: str, msg_id: str) -> bytes:
    event = {
        "app_id": ZALO_APP_ID,
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": "2468013579246801357"},
        "recipient": {"id": "579745863508352884"},
        "message": {"text": "Cho hỏi làm giấy khai sinh", "msg_id": msg_id},
    }
    return json.dumps(event, ensure_ascii=False).encode()


@pytest.mark.slow
def test_a_signed_zalo_event_from_long_ago_is_refused(app: FastAPI, accounts: None, gateway: ServerProcess) -> None:
    for stamp in ("946684800000", str(int((time.time() - 3600) * 1000)), "", "ngày xưa"):
        body = _zalo_event(stamp, f"old{abs(hash(stamp)) % 10**8}")
        response = httpx.post(f"{gateway.url}/webhooks/zalo/xa-demo", content=body, headers=_zalo(body))
        assert response.status_code == 403 and response.json()["error"]["code"] == "stale_event", (stamp, response.text)
    assert stored_events(app) == 0
    fresh = _zalo_event(str(int(time.time() * 1000)), "fresh00000001")
    accepted = httpx.post(f"{gateway.url}/webhooks/zalo/xa-demo", content=fresh, headers=_zalo(fresh))
    assert accepted.status_code == 200 and accepted.json()["stored"] is True


BIG = 20 * 1024 * 1024


def _big_json() -> bytes:
    return b'{"sender": "abcdefgh1234", "message": "' + b"a" * BIG + b'"}'


def _chunks() -> Iterator[bytes]:
    yield b'{"sender": "abcdefgh1234", "message": "'
    for _ in range(BIG // 65536):
        yield b"a" * 65536
    yield b'"}'


def _status_before_the_rest(url: str, path: str, *, chunked: bool) -> int:
    """Send the head of a 20 MB request and only the start of its body (2 MB, over the 1 MB limit), then wait for the
    answer: a server that read bodies before refusing them would wait for the rest, which never comes."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    start = b'{"sender": "abcdefgh1234", "message": "' + b"a" * (2 * 1024 * 1024)
    if chunked:
        framing, body = b"Transfer-Encoding: chunked\r\n", b"%x\r\n%s\r\n" % (len(start), start)
    else:
        framing, body = b"Content-Length: %d\r\n" % len(_big_json()), start
    head = b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s\r\n" % (
        path.encode(),
        host.encode(),
        framing,
    )
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        connection.sendall(head)
        with contextlib.suppress(OSError):  # the server may close before taking all of the start
            connection.sendall(body)
        answer = b""
        while b"\r\n" not in answer:
            piece = connection.recv(4096)  # socket.timeout (15 s): the server is waiting for the rest
            assert piece, "the connection closed with no answer"
            answer += piece
    return int(answer.split(b" ", 2)[1])


@pytest.mark.slow
def test_a_twenty_megabyte_body_is_refused_before_it_is_read(gateway: ServerProcess, subtests: pytest.Subtests) -> None:
    headers = {"Content-Type": "application/json"}
    for path in ("/webhooks/web", "/api/v1/nlu/parse", "/api/v1/auth/login", "/open311/v2/requests.json"):
        with subtests.test(path=path):
            declared = httpx.post(f"{gateway.url}{path}", content=_big_json(), headers=headers, timeout=30)
            assert declared.status_code == 413, declared.text[:200]
            streamed = httpx.post(f"{gateway.url}{path}", content=_chunks(), headers=headers, timeout=30)
            assert streamed.status_code == 413, streamed.text[:200]
            # Refused before it is read: the answer comes while most of the body has not even been sent.
            assert _status_before_the_rest(gateway.url, path, chunked=False) == 413
            assert _status_before_the_rest(gateway.url, path, chunked=True) == 413
