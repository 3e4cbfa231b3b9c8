"""Nothing frozen: channel limits are paged by the connectors, a message whose handling raises is retried, then a dead
letter shown to staff, and the conversation goes on — against the fake Zalo and Telegram servers over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.config import Settings
from api.db import transaction
from api.inbox import processor
from api.inbox.failures import DEAD_LETTER_NOTICE
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from api.staff.models import Role
from channels.paging import MORE_TITLE
from tests.channels.conftest import TG_SECRET, drain, fixture, make_due
from tests.channels.live import staff_headers
from tests.channels.test_zalo import post_zalo
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

UID = "2468013579246801357"  # the sender of tests/fixtures/zalo/user_send_text.json
ZALO_CONV = f"zalo:xa-demo:{UID}"
CHAT = 777000111
TG_CONV = f"tg:xa-demo:{CHAT}"
MENU = [{"title": f"Thủ tục {i}", "payload": f'/ask_procedure{{"procedure":"tt{i}"}}'} for i in range(1, 13)]


def zalo_text(text: str, n: int) -> dict[str, Any]:
    payload = fixture("zalo/user_send_text.json")
    payload["message"] = {"text": text, "msg_id": f"rel{n:06d}"}
    payload["timestamp"] = str(int(time.time() * 1000) + n)  # fresh: stale events are refused
    return payload


async def tap_telegram(gateway: httpx.AsyncClient, data: str, n: int) -> None:
    update = fixture("telegram/callback_query.json")
    update["update_id"] = 815299000 + n
    update["callback_query"]["id"] = f"cb{n}"
    update["callback_query"]["data"] = data
    response = await gateway.post(
        "/webhooks/telegram/xa-demo", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert response.status_code == 200, response.text


def enqueue(app: FastAPI, commune_id: int, conversation: str, buttons: list[dict[str, str]]) -> None:
    with transaction(app.state.sessionmaker) as session:
        enqueue_message(
            session,
            commune_id=commune_id,
            conversation_id=conversation,
            text="Anh/chị muốn hỏi về thủ tục nào?",
            buttons=buttons,
        )


def inbox_rows(app: FastAPI) -> list[InboxEvent]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


async def test_twelve_buttons_on_zalo_are_paged_with_xem_them(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    enqueue(app, commune_id, ZALO_CONV, MENU)
    await drain(app)
    shown: list[str] = []
    for n in range(1, 10):
        pages = zalo_account.buttons(UID)
        page = pages[-1]
        assert len(page) <= zalo_account.max_buttons
        shown += [b["payload"] for b in page if b["title"] != MORE_TITLE]
        more = [b for b in page if b["title"] == MORE_TITLE]
        if not more:
            break
        tapped = await post_zalo(gateway, zalo_text(more[0]["payload"], n), app_id=zalo_account.app_id)
        assert tapped.status_code == 200 and tapped.json()["stored"], tapped.text
        await drain(app)
        assert len(zalo_account.buttons(UID)) == len(pages) + 1  # the tap brought exactly one more page
    assert shown == [b["payload"] for b in MENU]  # every choice once, in order
    with app.state.sessionmaker() as session:
        statuses = session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {"sent"}
    assert {row.route for row in inbox_rows(app)} == {"more"}  # the taps never reached the bot


async def test_twelve_buttons_on_telegram_are_paged_with_xem_them(
    app: FastAPI, gateway: httpx.AsyncClient, telegram_account: FakeTelegram, commune_id: int
) -> None:
    enqueue(app, commune_id, TG_CONV, MENU)
    await drain(app)
    [first] = telegram_account.keyboards(CHAT)
    assert first[-1]["text"] == MORE_TITLE and len(first) == 8
    await tap_telegram(gateway, first[-1]["callback_data"], 1)
    await drain(app)
    [_, second] = telegram_account.keyboards(CHAT)
    assert [b["text"] for b in first[:-1] + second] == [b["title"] for b in MENU]
    assert any(c["method"] == "answerCallbackQuery" for c in telegram_account.calls)


async def test_a_stale_or_foreign_more_button_is_ignored(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    enqueue(app, commune_id, "zalo:xa-demo:999", MENU)  # someone else's message
    await drain(app)
    sent = len(zalo_account.sent)
    await post_zalo(gateway, zalo_text("xaso:more:1:4", 1), app_id=zalo_account.app_id)
    await drain(app)
    assert len(zalo_account.sent) == sent
    assert [(r.status, r.route) for r in inbox_rows(app)] == [("ignored", "more")]


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Tests of a failing handler run the real one against the real Rasa (the session's bot stack)."""
    if "poison" not in request.fixturenames:
        return settings
    return settings.model_copy(update={"rasa_url": request.getfixturevalue("bot_stack").rasa.url})


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The smallest seam: the real conversation handler runs (safety screen, state, the real Rasa turn), and storing
    Rasa's answer raises for messages containing "BOOM" — a bug in the handler, after Rasa answered."""
    from api.inbox import turns as flows

    seen: list[str] = []
    real = flows._finish_rasa

    def finish(factory: Any, ctx: processor.Context, message: Any, replies: list[dict[str, Any]], *rest: Any) -> bool:
        seen.append(message.text)
        if "BOOM" in message.text:
            raise RuntimeError("handler bug")
        return real(factory, ctx, message, replies, *rest)

    monkeypatch.setattr(flows, "_finish_rasa", finish)
    return seen


def answered(account: FakeZalo) -> list[str]:
    """What the citizen got, the bot's own answers reduced to a marker (their wording is the model's)."""
    return [t if t == DEAD_LETTER_NOTICE else "answer" for t in account.texts(UID)]


@pytest.mark.rasa  # the real handler against the session's bot stack (the settings fixture above)
async def test_a_handler_that_raises_is_retried_dead_lettered_shown_and_the_next_message_answered(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, poison: list[str]
) -> None:
    max_failures = app.state.settings.inbox_max_failures
    await post_zalo(gateway, zalo_text("BOOM lỗi", 1), app_id=zalo_account.app_id)
    await post_zalo(gateway, zalo_text("xin chào", 2), app_id=zalo_account.app_id)
    await drain(app)
    [bad, good] = inbox_rows(app)
    assert (bad.status, bad.failures) == ("pending", 1) and "handler bug" in (bad.last_error or "")
    assert good.status == "pending"  # waits behind the failing one: order is kept while it is retried
    for _ in range(max_failures - 1):
        make_due(app)
        await drain(app)
    [bad, good] = inbox_rows(app)
    assert (bad.status, bad.failures) == ("failed", max_failures) and bad.failed_at is not None
    assert good.status == "processed"
    assert poison == ["BOOM lỗi"] * max_failures + ["xin chào"]
    assert answered(zalo_account)[:2] == [DEAD_LETTER_NOTICE, "answer"]  # told once, then answered by the bot
    assert answered(zalo_account).count(DEAD_LETTER_NOTICE) == 1

    # Staff see it (API and console), can send it round again or dismiss it.
    staff = staff_headers(app)
    letters = (await gateway.get("/api/v1/dead-letters", headers=staff)).json()
    assert [(x["kind"], x["id"], x["text"], x["attempts"]) for x in letters] == [
        ("inbound", bad.id, "BOOM lỗi", max_failures)
    ]
    assert "handler bug" in letters[0]["error"]
    viewer = staff_headers(app, login="chi.xem", role=Role.viewer)
    assert (await gateway.get("/api/v1/dead-letters", headers=viewer)).status_code == 403
    assert (await gateway.post(f"/api/v1/dead-letters/inbound/{bad.id}/retry", headers=staff)).status_code == 204
    make_due(app)
    await drain(app)
    make_due(app)
    await drain(app)
    assert zalo_account.texts(UID).count(DEAD_LETTER_NOTICE) == 1  # failing again is not told twice
    assert (await gateway.post(f"/api/v1/dead-letters/inbound/{bad.id}/retry", headers=staff)).status_code == 404
    for _ in range(max_failures):
        make_due(app)
        await drain(app)
    assert (await gateway.post(f"/api/v1/dead-letters/inbound/{bad.id}/dismiss", headers=staff)).status_code == 204
    assert (await gateway.get("/api/v1/dead-letters", headers=staff)).json() == []


async def test_an_undeliverable_reply_is_a_dead_letter_and_does_not_block_the_next(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int
) -> None:
    zalo_account.fail_next = [-201]  # Zalo refuses the first message for good
    with transaction(app.state.sessionmaker) as session:
        for text in ("Tin một", "Tin hai"):
            enqueue_message(session, commune_id=commune_id, conversation_id=ZALO_CONV, text=text)
    await drain(app)
    assert zalo_account.texts(UID) == ["Tin hai"]
    letters = (await gateway.get("/api/v1/dead-letters", headers=staff_headers(app))).json()
    assert [(x["kind"], x["text"]) for x in letters] == [("outbound", "Tin một")]
    assert "-201" in letters[0]["error"]


def test_core_keeps_a_reply_of_any_shape() -> None:
    from api.outbox.service import _clean_buttons

    many = [{"title": f"Nút {i}", "payload": f"/p{i}"} for i in range(30)]
    assert _clean_buttons(many) == many
    assert _clean_buttons([{"title": "Chỉ tiêu đề"}, {"payload": "/không-tiêu-đề"}, "rác"]) == [  # type: ignore[list-item]
        {"title": "Chỉ tiêu đề", "payload": "Chỉ tiêu đề"}
    ]


@pytest.mark.rasa  # the real handler against the session's bot stack (the settings fixture above)
async def test_console_lists_dead_letters_for_writers(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, poison: list[str]
) -> None:
    await post_zalo(gateway, zalo_text("BOOM <script>", 1), app_id=zalo_account.app_id)
    for _ in range(app.state.settings.inbox_max_failures):
        await drain(app)
        make_due(app)
    login = await _console_login(app, gateway)
    gateway.cookies.update(login)
    page = await gateway.get("/staff/dead-letters")
    assert page.status_code == 200
    assert "BOOM &lt;script&gt;" in page.text and "handler bug" in page.text and "Tin nhắn lỗi" in page.text


async def _console_login(app: FastAPI, gateway: httpx.AsyncClient) -> dict[str, str]:
    staff_headers(app, login="bangdieukhien", role=Role.officer)  # creates the officer (password below)
    form = await gateway.get("/staff/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    gateway.cookies.update(form.cookies)
    response = await gateway.post(
        "/staff/login",
        data={"login": "bangdieukhien", "password": _PASSWORD, "csrf_token": token, "next": "/staff"},
    )
    assert response.status_code == 303, response.text
    return dict(response.cookies)


_PASSWORD = "mat-khau-thu-nghiem-1"  # the one tests.channels.live.staff_headers sets


async def test_two_web_senders_reusing_a_message_id_each_get_their_own_turn(
    app: FastAPI, gateway: httpx.AsyncClient
) -> None:
    first = {"sender": "aaaaaaaa11111111", "message": "số tôi 0912345678", "metadata": {"message_id": "1"}}
    second = {"sender": "bbbbbbbb22222222", "message": "xin chào", "metadata": {"message_id": "1"}}
    one = (await gateway.post("/webhooks/web", json=first)).json()
    two = (await gateway.post("/webhooks/web", json=second)).json()
    assert [r["recipient_id"] for r in one] == ["aaaaaaaa11111111"]
    assert [r["recipient_id"] for r in two] == ["bbbbbbbb22222222"]  # not the first sender's reply
    await gateway.post("/webhooks/web", json=first)  # a retried POST of the same sender is still a duplicate
    rows = inbox_rows(app)
    assert [(r.conversation_id, r.event_id) for r in rows] == [
        ("web:xa-demo:aaaaaaaa11111111", "aaaaaaaa11111111:1"),
        ("web:xa-demo:bbbbbbbb22222222", "bbbbbbbb22222222:1"),
    ]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("đèn đường\x00 ấp 3 bị hư", "đèn đường ấp 3 bị hư"),
        ("cống\x1b[31m nghẹt\r\nở ấp 5\x7f", "cống[31m nghẹt\nở ấp 5"),
        ("Hoa\u0300 Bi\u0300nh \ud800", "Hoà Bình \ufffd"),  # NFC; a lone surrogate replaced
    ],
)
def test_inbound_text_is_normalised_once_at_the_boundary(sent: str, stored: str) -> None:
    from channels import registry

    registry.register_defaults()
    for channel, payload in (
        ("web", {"sender": "aaaaaaaa11111111", "message": sent}),
        (
            "telegram",
            {
                **fixture("telegram/message_text.json"),
                "message": {**fixture("telegram/message_text.json")["message"], "text": sent},
            },
        ),
        ("zalo", zalo_text(sent, 1)),
    ):
        [message] = registry.get(channel).parse(payload, commune="xa-demo")
        assert message.text == stored, channel


async def test_a_message_blank_once_normalised_is_a_422(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/webhooks/web", json={"sender": "aaaaaaaa11111111", "message": "\x00\x01 "})
    assert response.status_code == 422 and response.json()["error"]["field"] == "message"
    assert inbox_rows(app) == []


async def test_a_connector_that_raises_fails_the_message_after_a_few_tries_and_the_next_goes_out(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, commune_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from channels.zalo.connector import ZaloChannel

    real = ZaloChannel.parts

    def parts(self: ZaloChannel, message: Any) -> list[dict[str, Any]]:
        if message.text == "CRASH":
            raise KeyError("title")
        return real(self, message)

    monkeypatch.setattr(ZaloChannel, "parts", parts)
    with transaction(app.state.sessionmaker) as session:
        for text in ("CRASH", "Tin sau"):
            enqueue_message(session, commune_id=commune_id, conversation_id=ZALO_CONV, text=text)
    for _ in range(4):
        await drain(app)
        make_due(app)
    assert zalo_account.texts(UID) == ["Tin sau"]
    with app.state.sessionmaker() as session:
        crashed = session.scalars(select(OutboxMessage).where(OutboxMessage.text == "CRASH")).one()
    assert (crashed.status, crashed.attempts) == ("failed", 3) and "KeyError" in (crashed.last_error or "")


@pytest.mark.rasa  # the real handler against the session's bot stack (the settings fixture above)
async def test_several_dead_letters_in_a_row_tell_the_citizen_once(
    app: FastAPI, gateway: httpx.AsyncClient, zalo_account: FakeZalo, poison: list[str]
) -> None:
    for n, text in enumerate(["BOOM một", "BOOM hai", "xin chào"], start=1):
        await post_zalo(gateway, zalo_text(text, n), app_id=zalo_account.app_id)
    for _ in range(3 * app.state.settings.inbox_max_failures):
        await drain(app)
        make_due(app)
    assert [r.status for r in inbox_rows(app)] == ["failed", "failed", "processed"]
    assert answered(zalo_account)[:2] == [DEAD_LETTER_NOTICE, "answer"]
    assert answered(zalo_account).count(DEAD_LETTER_NOTICE) == 1


@pytest.mark.rasa  # the real handler against the session's bot stack (the settings fixture above)
async def test_a_web_turn_that_raises_is_retried_by_the_worker_then_dead_lettered(
    app: FastAPI, gateway: httpx.AsyncClient, poison: list[str]
) -> None:
    body = {"sender": "webpoison1234567", "message": "BOOM", "metadata": {"message_id": "1"}}
    response = await gateway.post("/webhooks/web", json=body)
    assert response.status_code == 200 and response.json() == []  # answered later, by push
    [row] = inbox_rows(app)
    assert (row.status, row.failures, row.lease_until) == ("pending", 1, None)  # not left leased for a minute
    for _ in range(app.state.settings.inbox_max_failures):
        make_due(app)
        await drain(app)
    [row] = inbox_rows(app)
    assert row.status == "failed"
    with app.state.sessionmaker() as session:
        pushed = session.scalars(select(OutboxMessage.text).where(OutboxMessage.conversation_id == row.conversation_id))
        assert list(pushed) == [DEAD_LETTER_NOTICE]
