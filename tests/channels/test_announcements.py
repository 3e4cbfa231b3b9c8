"""One announcement, every channel: subscribers made in the conversation (follow, /start, opt-in, the hamlet asked
once), delivery to exactly the chosen hamlet, once; "hủy nhận tin"; emergencies first; Zalo's window, promotion quota
and ZNS fallback — against the fake Zalo (with ZNS) and Telegram servers over real HTTP."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.bulletins.jobs import queue_announcements
from api.bulletins.models import Priority
from api.subscriptions.models import Subscription
from tests.channels.announcing import (
    ZNS_CASE_TEMPLATE,
    ZNS_TEMPLATE,
    announcement_rows,
    approved_bulletin,
    configure_rate,
    configure_zalo,
    make_outside_window,
    set_hamlets,
    subscriber,
    telegram_says,
    zalo_says,
    zalo_shares_phone,
)
from tests.channels.conftest import drain
from tests.channels.live import staff_headers
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

Z3, Z4, ZNONE = "1000000000000000003", "1000000000000000004", "1000000000000000009"
T3, T4 = 5550003, 5550004


@pytest.fixture
def platforms(app: FastAPI, zalo_account: FakeZalo, telegram_account: FakeTelegram) -> tuple[FakeZalo, FakeTelegram]:
    set_hamlets(app)
    configure_rate(app, "zalo", 500)
    configure_rate(app, "telegram", 500)
    return zalo_account, telegram_account


async def announce(
    app: FastAPI, gateway: httpx.AsyncClient, headers: dict[str, str], bulletin_id: int, **body: list[str]
) -> httpx.Response:
    response = await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json=body, headers=headers)
    await queue_announcements(app)
    await drain(app)
    return response


def subscriptions(app: FastAPI) -> dict[str, Subscription]:
    with app.state.sessionmaker() as session:
        return {s.conversation_id: s for s in session.scalars(select(Subscription))}


async def test_followers_are_asked_their_hamlet_and_an_announcement_reaches_exactly_that_hamlet_once(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    zalo, telegram = platforms
    for uid in (Z3, Z4, ZNONE):
        await zalo_says(gateway, zalo.app_id, uid, None, event="follow")
    for chat in (T3, T4):
        await telegram_says(gateway, chat, "/start")
    await drain(app)
    # One welcome each, asking the hamlet with the commune's hamlets as buttons.
    assert all("ấp" in zalo.texts(uid)[-1].lower() for uid in (Z3, Z4, ZNONE))
    assert [b["title"] for b in zalo.buttons(Z3)[-1]] == ["Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5"]
    assert "ấp" in telegram.texts(T3)[-1].lower() and len(telegram.keyboards(T3)[-1]) == 5
    await zalo_says(gateway, zalo.app_id, Z3, "ap 3")  # typed without marks
    await zalo_says(gateway, zalo.app_id, Z4, "Ấp 4")  # the button's payload
    await telegram_says(gateway, T3, "tôi ở ấp ba ạ")
    await telegram_says(gateway, T4, "4")  # a bare number answers the question just asked
    await drain(app)
    subs = subscriptions(app)
    assert {k: s.hamlet for k, s in subs.items()} == {
        f"zalo:xa-demo:{Z3}": "Ấp 3",
        f"zalo:xa-demo:{Z4}": "Ấp 4",
        f"zalo:xa-demo:{ZNONE}": None,
        f"tg:xa-demo:{T3}": "Ấp 3",
        f"tg:xa-demo:{T4}": "Ấp 4",
    }
    assert "Ấp 3" in zalo.texts(Z3)[-1] and "hủy nhận tin" in zalo.texts(Z3)[-1]
    before_z, before_t = len(zalo.sent), len(telegram.sent)

    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt điện ấp 3 ngày 30/11")
    response = await announce(app, gateway, headers, bulletin_id, hamlets=["ap 3"])
    assert response.status_code == 201, response.text
    assert response.json()["hamlets"] == ["Ấp 3"]
    new_z, new_t = zalo.sent[before_z:], telegram.sent[before_t:]
    assert [m["recipient"]["user_id"] for m in new_z] == [Z3]
    assert [str(m["chat_id"]) for m in new_t] == [str(T3)]
    text = new_z[0]["message"]["text"]
    assert "Lịch cắt điện ấp 3" in text and "/api/v1/broadcast/xa-demo/audio/" in text and "hủy nhận tin" in text

    # Announcing the same bulletin again (to the whole commune this time) never repeats it to anyone.
    await announce(app, gateway, headers, bulletin_id)
    got = Counter(m["recipient"]["user_id"] for m in zalo.sent[before_z:])
    assert got == Counter({Z3: 1, Z4: 1, ZNONE: 1})
    assert Counter(str(m["chat_id"]) for m in telegram.sent[before_t:]) == Counter({str(T3): 1, str(T4): 1})
    report = (await gateway.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers)).json()["deliveries"]
    assert report["zalo"]["sent"] == 3 and report["telegram"]["sent"] == 2
    assert report["web"] == {"queued": 0, "sent": 0, "failed": 0, "not_reachable": 0, "unsubscribed": 0}
    # The audio linked in the message is public once announced.
    audio = await gateway.get(f"/api/v1/broadcast/xa-demo/audio/{bulletin_id}.mp3")
    assert audio.status_code == 404  # this test made no audio file: the link is checked, the file is absent


async def test_huy_nhan_tin_stops_the_next_announcement_and_what_is_still_queued(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    zalo, telegram = platforms
    for uid in (Z3, Z4):
        subscriber(app, commune_id, f"zalo:xa-demo:{uid}", "Ấp 3")
        await zalo_says(gateway, zalo.app_id, uid, "chủ đề")  # wrote to the OA: inside Zalo's window
    subscriber(app, commune_id, f"tg:xa-demo:{T3}", "Ấp 3")
    await drain(app)
    headers = staff_headers(app)
    queued = approved_bulletin(app, commune_id, title="Thông báo thu gom rác")
    await gateway.post(f"/api/v1/bulletins/{queued}/announcements", json={}, headers=headers)
    await queue_announcements(app)  # queued, not sent yet
    await zalo_says(gateway, zalo.app_id, Z3, "Hủy nhận tin!")
    await telegram_says(gateway, T3, "HUY NHAN TIN")
    await drain(app)
    assert "ngừng nhận" in zalo.texts(Z3)[-1] and "ngừng nhận" in telegram.texts(T3)[-1]
    assert all("thu gom rác" not in t for t in zalo.texts(Z3) + telegram.texts(T3))
    report = (await gateway.get(f"/api/v1/bulletins/{queued}", headers=headers)).json()["deliveries"]
    assert report["zalo"]["unsubscribed"] == 1 and report["zalo"]["sent"] == 1
    assert report["telegram"]["unsubscribed"] == 1

    later = approved_bulletin(app, commune_id, title="Lịch họp dân ấp 3")
    await announce(app, gateway, headers, later, hamlets=["Ấp 3"])
    assert not any("họp dân" in t for t in zalo.texts(Z3) + telegram.texts(T3))
    assert any("họp dân" in t for t in zalo.texts(Z4))
    # "đăng ký nhận tin" brings them back (and asks nothing: the hamlet is known).
    await zalo_says(gateway, zalo.app_id, Z3, "đăng ký nhận tin")
    await drain(app)
    assert subscriptions(app)[f"zalo:xa-demo:{Z3}"].status == "active"


async def test_an_emergency_overtakes_the_messages_already_queued(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    _zalo, telegram = platforms
    configure_rate(app, "telegram", 50)  # sends 20 ms apart: the order they arrive in is the order they were sent
    chats = [7770000 + n for n in range(40)]
    for chat in chats:
        subscriber(app, commune_id, f"tg:xa-demo:{chat}", "Ấp 2")
    headers = staff_headers(app)
    normal = approved_bulletin(app, commune_id, title="Thông báo nộp thuế đất")
    await gateway.post(f"/api/v1/bulletins/{normal}/announcements", json={}, headers=headers)
    await queue_announcements(app)
    urgent = approved_bulletin(app, commune_id, title="Bão số 9 đổ bộ", priority=Priority.khan_cap)
    published = await gateway.post(f"/api/v1/bulletins/{urgent}/publish", headers=headers)
    assert published.status_code == 200, published.text  # publishing an emergency announces it at once
    await queue_announcements(app)
    await drain(app)
    order = ["Bão số 9" in m["text"] for m in telegram.sent]
    assert len(order) == 80 and order[:40] == [True] * 40, order


async def test_zalo_outside_the_window_gets_the_zns_template_and_without_a_phone_is_not_reachable(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    zalo, _telegram = platforms
    zalo.zns_templates = {
        ZNS_TEMPLATE: {"tieu_de": "label", "noi_dung": "product", "ngay": "time"},
        ZNS_CASE_TEMPLATE: ["ma_ho_so", "trang_thai"],
    }
    configure_zalo(
        app,
        zns_base=zalo.url,
        zns_templates={
            "announcement": {
                "template_id": ZNS_TEMPLATE,
                "params": {
                    "tieu_de": "{title}",
                    "noi_dung": {"type": "product", "value": "{summary}"},  # up to 200 characters
                    "ngay": {"type": "time", "value": "{date}"},
                },
            },
            "case_status": {
                "template_id": ZNS_CASE_TEMPLATE,
                "params": {"ma_ho_so": "{case_code}", "trang_thai": "{status}"},
            },
        },
    )
    inside, with_phone, no_phone = "2000000000000000001", "2000000000000000002", "2000000000000000003"
    for uid in (inside, with_phone, no_phone):
        await zalo_says(gateway, zalo.app_id, uid, None, event="follow")
        await zalo_says(gateway, zalo.app_id, uid, "ấp 3")
    await drain(app)
    await zalo_shares_phone(gateway, zalo.app_id, with_phone, "0912 345 678")
    await drain(app)
    for uid in (with_phone, no_phone):
        make_outside_window(app, f"zalo:xa-demo:{uid}")
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch tiêm chủng tháng 12")
    await announce(app, gateway, headers, bulletin_id, hamlets=["Ấp 3"])

    assert any("tiêm chủng tháng 12" in t for t in zalo.texts(inside))
    assert not any("tháng 12" in t for t in zalo.texts(with_phone) + zalo.texts(no_phone))
    [zns] = zalo.zns_sent
    assert zns["phone"] == "84912345678" and zns["template_id"] == ZNS_TEMPLATE
    assert zns["template_data"]["tieu_de"] == "Lịch tiêm chủng tháng 12"
    rows = {r.conversation_id.split(":")[2]: r for r in announcement_rows(app, bulletin_id)}
    assert (rows[inside].status, rows[inside].route) == ("sent", "cs")
    assert (rows[with_phone].status, rows[with_phone].route) == ("sent", "zns")
    assert rows[no_phone].status == "unreachable" and "số điện thoại" in (rows[no_phone].last_error or "")
    report = (await gateway.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers)).json()["deliveries"]
    assert report["zalo"] == {"queued": 0, "sent": 2, "failed": 0, "not_reachable": 1, "unsubscribed": 0}


async def test_promotion_quota_comes_before_zns_and_runs_out(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    zalo, _telegram = platforms
    configure_zalo(app, promotion_quota_per_month=1)
    for n in range(2):
        key = f"zalo:xa-demo:300000000000000000{n}"
        subscriber(app, commune_id, key, "Ấp 1")  # never wrote to the OA: outside the window
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Hội chợ nông sản")
    await announce(app, gateway, headers, bulletin_id)
    [promotion] = zalo.promotions
    payload = promotion["message"]["attachment"]["payload"]
    assert payload["template_type"] == "promotion" and payload["elements"][0]["content"] == "Hội chợ nông sản"
    statuses = sorted((r.status, r.route or "") for r in announcement_rows(app, bulletin_id))
    assert statuses == [("sent", "promotion"), ("unreachable", "unreachable")]
    unreached = next(r for r in announcement_rows(app, bulletin_id) if r.status == "unreachable")
    assert "hết 1 tin truyền thông" in (unreached.last_error or "")


async def test_zalo_saying_outside_the_window_falls_back_to_zns(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    """Our clock says inside the window; Zalo answers -230: the next route is taken instead of failing."""
    zalo, _telegram = platforms
    zalo.zns_templates = {ZNS_TEMPLATE: ["tieu_de"]}
    configure_zalo(
        app,
        zns_base=zalo.url,
        zns_templates={"announcement": {"template_id": ZNS_TEMPLATE, "params": {"tieu_de": "{title}"}}},
    )
    uid = "4000000000000000001"
    await zalo_shares_phone(gateway, zalo.app_id, uid, "0912345679")
    await drain(app)
    subscriber(app, commune_id, f"zalo:xa-demo:{uid}", "Ấp 5")
    zalo.outside_window.add(uid)
    bulletin_id = approved_bulletin(app, commune_id, title="Tiêm phòng dại cho chó mèo")
    await announce(app, gateway, staff_headers(app), bulletin_id)
    [zns] = zalo.zns_sent
    assert zns["phone"] == "84912345679"
    [row] = announcement_rows(app, bulletin_id)
    assert (row.status, row.route) == ("sent", "zns")


async def console_login(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/staff/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"login": "kiemthu.kenh", "password": "mat-khau-thu-nghiem-1", "csrf_token": csrf.group(1), "next": "/staff"}
    response = await gateway.post("/staff/login", data=form)
    assert response.status_code in (200, 303), response.text


async def test_case_notices_outside_the_window_use_zns_else_the_console_shows_whom_to_call(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    zalo, _telegram = platforms
    zalo.zns_templates = {ZNS_CASE_TEMPLATE: ["ma_ho_so", "trang_thai"]}
    configure_zalo(
        app,
        zns_base=zalo.url,
        zns_templates={
            "case_status": {
                "template_id": ZNS_CASE_TEMPLATE,
                "params": {"ma_ho_so": "{case_code}", "trang_thai": "{status}"},
            }
        },
    )
    service = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}
    codes = {}
    for uid, phone in (("6000000000000000001", "0987654321"), ("6000000000000000002", None)):
        body = {
            "commune": "xa-demo",
            "kind": "report",
            "title": "Đèn đường hỏng",
            "description": "Đèn đường trước nhà văn hóa ấp 3 không sáng",
            "conversation_id": f"zalo:xa-demo:{uid}",
            "channel": "zalo",
            "contact_name": "Trần Thị Bích",
            "contact_phone": phone,
            "notify_received": True,
        }
        created = await gateway.post("/api/v1/internal/cases", json=body, headers=service)
        assert created.status_code == 201, created.text
        codes[uid] = created.json()["code"]
        make_outside_window(app, f"zalo:xa-demo:{uid}")  # filed long ago: the citizen has not written since
    await drain(app)
    [zns] = zalo.zns_sent
    assert zns["phone"] == "84987654321" and zns["template_data"]["ma_ho_so"] == codes["6000000000000000001"]
    assert zalo.sent == []  # nothing went out as a customer-service message outside the window

    staff_headers(app)  # creates the officer who logs in
    await console_login(gateway)
    page = await gateway.get("/staff/subscribers")
    assert page.status_code == 200
    assert codes["6000000000000000002"] in page.text and "Trần Thị Bích" in page.text and "chưa có số" in page.text


async def test_the_bulletin_page_reports_deliveries_and_lists_whom_to_call(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    _zalo, telegram = platforms
    subscriber(app, commune_id, f"tg:xa-demo:{T3}", "Ấp 3")
    subscriber(app, commune_id, f"zalo:xa-demo:{Z3}", "Ấp 3")  # never wrote, no phone: not reachable
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch phun thuốc diệt muỗi")
    await console_login(gateway)
    page = await gateway.get(f"/staff/bulletins/{bulletin_id}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None and 'data-testid="announce-form"' in page.text
    sent = await gateway.post(
        f"/staff/bulletins/{bulletin_id}/announce", data={"csrf_token": csrf.group(1), "hamlets": ["Ấp 3"]}
    )
    assert sent.status_code in (200, 303), sent.text
    await queue_announcements(app)
    await drain(app)
    assert any("phun thuốc" in t for t in telegram.texts(T3))
    page = await gateway.get(f"/staff/bulletins/{bulletin_id}")
    assert 'data-testid="delivery-report"' in page.text and 'data-testid="unreached"' in page.text
    assert "chưa có số" in page.text and "ngoài khung tương tác" in page.text
    report = (await gateway.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers)).json()["deliveries"]
    assert report["telegram"]["sent"] == 1 and report["zalo"]["not_reachable"] == 1


async def test_web_visitors_opt_in_by_message_and_receive_on_their_event_stream(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    sender = "webnguoidan0001"

    async def say(text: str, n: int) -> list[dict[str, object]]:
        body = {"sender": sender, "message": text, "metadata": {"message_id": f"w-{n}"}}
        response = await gateway.post("/webhooks/web", json=body)
        assert response.status_code == 200, response.text
        replies: list[dict[str, object]] = response.json()
        return replies

    [ask] = await say("Đăng ký nhận tin", 1)
    assert "ấp" in str(ask["text"]) and len(ask["buttons"]) == 5  # type: ignore[arg-type]
    [done] = await say("ấp 3", 2)
    assert "Ấp 3" in str(done["text"])
    headers = staff_headers(app)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch khám sức khỏe người cao tuổi")
    await announce(app, gateway, headers, bulletin_id, hamlets=["Ấp 3"])
    [row] = announcement_rows(app, bulletin_id)
    assert (row.conversation_id, row.status) == (f"web:xa-demo:{sender}", "sent")
    report = (await gateway.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers)).json()["deliveries"]
    assert report["web"]["sent"] == 1


async def test_a_citizen_who_blocked_the_bot_is_unsubscribed_and_not_tried_again(
    app: FastAPI, gateway: httpx.AsyncClient, platforms: tuple[FakeZalo, FakeTelegram], commune_id: int
) -> None:
    _zalo, telegram = platforms
    subscriber(app, commune_id, f"tg:xa-demo:{T3}", "Ấp 3")
    telegram.fail_next = [(403, "Forbidden: bot was blocked by the user", None)]
    headers = staff_headers(app)
    first = approved_bulletin(app, commune_id, title="Thông báo lịch trực")
    await announce(app, gateway, headers, first)
    [row] = announcement_rows(app, first)
    assert row.status == "failed" and "chặn" in (row.last_error or "")
    assert subscriptions(app)[f"tg:xa-demo:{T3}"].status == "unsubscribed"
    second = approved_bulletin(app, commune_id, title="Thông báo lịch trực tuần sau")
    await announce(app, gateway, headers, second)
    assert announcement_rows(app, second) == [] and telegram.sent == []
