"""Zalo as the real platform behaves (issue #31), against the stricter fake over real HTTP: the error table (window
codes take the promotion → ZNS fallback, unknown codes fail fast with Zalo's message), the SDK's button payload, ZNS
parameters checked per type, the citizen's name from the user detail endpoint, and files sent by upload token."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from api.bulletins.jobs import queue_announcements
from api.citizens.models import Citizen, Conversation
from api.conversations import service as conversations
from api.db import transaction
from api.outbox.models import OutboxMessage
from api.outbox.service import enqueue_message
from channels.base import OutsideWindow, RecipientGone
from channels.zalo.errors import OA_CODES, SOURCES, UNKNOWN_ATTEMPTS, ZNS_CODES, delivery_error
from tests.channels.announcing import (
    ZNS_TEMPLATE,
    announcement_rows,
    approved_bulletin,
    configure_rate,
    configure_zalo,
    set_hamlets,
    subscriber,
    zalo_shares_phone,
)
from tests.channels.conftest import drain, fixture, make_due, zalo_signature
from tests.channels.live import staff_headers
from tests.support.fake_zalo import FakeZalo

UID = "2468013579246801357"
CONV = f"zalo:xa-demo:{UID}"


@pytest.fixture
def zalo(app: FastAPI, zalo_account: FakeZalo) -> FakeZalo:
    set_hamlets(app)
    configure_rate(app, "zalo", 500)
    return zalo_account


def outbox(app: FastAPI) -> list[OutboxMessage]:
    with app.state.sessionmaker() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def enqueue(app: FastAPI, commune_id: int, text: str, **kwargs: Any) -> int:
    with transaction(app.state.sessionmaker) as session:
        return enqueue_message(session, commune_id=commune_id, conversation_id=CONV, text=text, **kwargs).id


async def citizen_writes(gateway: httpx.AsyncClient, app_id: str, uid: str, text: str) -> None:
    payload = fixture("zalo/user_send_text.json")
    payload["sender"]["id"] = uid
    payload["message"]["text"] = text
    payload["message"]["msg_id"] = f"m{time.time_ns()}"
    payload["timestamp"] = str(int(time.time() * 1000))
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-ZEvent-Signature": zalo_signature(body, app_id=app_id), "Content-Type": "application/json"}
    response = await gateway.post("/webhooks/zalo/xa-demo", content=body, headers=headers)
    assert response.status_code == 200, response.text


# 1. The error table ------------------------------------------------------------------------------------------------


def test_every_code_is_classified_and_cites_its_sources() -> None:
    for table in (OA_CODES, ZNS_CODES):
        for code, entry in table.items():
            assert entry.code == code and entry.kind in ("final", "window", "gone", "retry", "token")
            assert entry.sources and all(s in SOURCES for s in entry.sources), code
            assert entry.text.endswith(".") or entry.text.endswith(")"), code
    assert {c for c, e in OA_CODES.items() if e.kind == "window"} == {-217, -227, -230, -232, -234, -244}
    assert OA_CODES[-216].kind == OA_CODES[-220].kind == ZNS_CODES[-124].kind == "token"


def test_limits_that_lift_with_time_wait_for_the_right_hour() -> None:
    night = datetime(2026, 12, 6, 23, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    at_six = delivery_error(-133, "Cannot send at night", zns=True, now=night)
    assert at_six.retryable and at_six.retry_after == 7 * 3600  # the ZNS night ban: until 06:00
    tomorrow = delivery_error(-144, "Out of daily quota", zns=True, now=night)
    assert tomorrow.retry_after == 3600 + 300  # the daily quota: just after midnight
    assert delivery_error(-32, "limit").retry_after == 60
    assert isinstance(delivery_error(-213, "not follower"), RecipientGone)
    assert isinstance(delivery_error(-213, "not follower", not_follower_is_gone=False), OutsideWindow)
    unknown = delivery_error(-777, "Something new")
    assert unknown.retryable and unknown.max_attempts == UNKNOWN_ATTEMPTS and "Something new" in unknown.reason


@pytest.mark.parametrize("code", [-217, -227, -232, -234, -244])
async def test_window_codes_take_the_zns_fallback_like_230(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int, code: int
) -> None:
    """Our clock says inside the window; Zalo answers a policy code: the notice goes by ZNS instead of failing."""
    zalo.zns_templates = {ZNS_TEMPLATE: {"tieu_de": "label"}}
    configure_zalo(
        app,
        zns_base=zalo.url,
        zns_templates={"announcement": {"template_id": ZNS_TEMPLATE, "params": {"tieu_de": "{title}"}}},
    )
    uid = "4000000000000000007"
    await zalo_shares_phone(gateway, zalo.app_id, uid, "0912345670")
    await drain(app)
    subscriber(app, commune_id, f"zalo:xa-demo:{uid}", "Ấp 5")
    zalo.unreachable[uid] = code
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt điện")
    await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=staff_headers(app))
    await queue_announcements(app)
    await drain(app)
    [zns] = zalo.zns_sent
    assert zns["phone"] == "84912345670" and zns["template_data"] == {"tieu_de": "Lịch cắt điện"}
    [row] = announcement_rows(app, bulletin_id)
    assert (row.status, row.route) == ("sent", "zns")


async def test_a_promotion_refused_by_a_window_code_goes_on_to_zns(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int
) -> None:
    zalo.zns_templates = {ZNS_TEMPLATE: {"tieu_de": "label"}}
    configure_zalo(
        app,
        zns_base=zalo.url,
        promotion_quota_per_month=10,
        zns_templates={"announcement": {"template_id": ZNS_TEMPLATE, "params": {"tieu_de": "{title}"}}},
    )
    uid = "4000000000000000008"
    await zalo_shares_phone(gateway, zalo.app_id, uid, "0912345671")
    await drain(app)
    subscriber(app, commune_id, f"zalo:xa-demo:{uid}", "Ấp 5")
    zalo.unreachable[uid] = -244  # restricted this message type: customer-service and promotion refused
    before = len(zalo.calls)
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt điện")
    await gateway.post(f"/api/v1/bulletins/{bulletin_id}/announcements", json={}, headers=staff_headers(app))
    await queue_announcements(app)
    await drain(app)
    tried = [c["body"]["message"] for c in zalo.calls[before:] if "body" in c]
    assert zalo.promotions == [] and len(tried) == 2  # customer-service, then promotion: both refused
    assert "attachment" in tried[1] and tried[1]["attachment"]["payload"]["template_type"] == "promotion"
    [zns] = zalo.zns_sent
    assert zns["phone"] == "84912345671"
    [row] = announcement_rows(app, bulletin_id)
    assert (row.status, row.route) == ("sent", "zns")


@pytest.mark.parametrize("code", [-217, -244])
async def test_a_reply_refused_by_a_window_code_fails_at_once_with_the_reason(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int, code: int
) -> None:
    zalo.unreachable[UID] = code
    enqueue(app, commune_id, "Cán bộ trả lời: hồ sơ đã xong.", kind="staff_reply")
    await drain(app)
    [message] = outbox(app)
    reason = message.last_error or ""
    assert message.status == "failed" and str(code) in reason and "Zalo:" in reason  # Zalo's own message quoted
    assert message.attempts == 1 and zalo.sent == []


async def test_an_unknown_code_is_retried_briefly_then_shown_with_zalos_message(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int
) -> None:
    zalo.fail_next.extend([-9999] * 10)
    enqueue(app, commune_id, "Thông báo lịch tiếp dân.")
    for _ in range(UNKNOWN_ATTEMPTS + 2):
        await drain(app)
        make_due(app)
    [message] = outbox(app)
    assert message.status == "failed" and message.attempts == UNKNOWN_ATTEMPTS
    assert "-9999" in (message.last_error or "") and "fake error -9999" in (message.last_error or "")
    assert len(zalo.calls) == UNKNOWN_ATTEMPTS  # not ~12 tries over an hour
    failed = await gateway.get("/api/v1/dead-letters", headers=staff_headers(app))
    assert failed.status_code == 200 and "fake error -9999" in failed.text  # staff see it, with Zalo's words


async def test_an_outage_is_still_retried_for_long(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int
) -> None:
    zalo.down = True
    enqueue(app, commune_id, "Xin chào.")
    for _ in range(UNKNOWN_ATTEMPTS + 2):
        await drain(app)
        make_due(app)
    [message] = outbox(app)
    assert message.status == "pending" and message.attempts > UNKNOWN_ATTEMPTS
    zalo.down = False
    make_due(app)
    await drain(app)
    assert zalo.texts() == ["Xin chào."]


# 2. Buttons in the SDK's shape -------------------------------------------------------------------------------------


async def test_buttons_go_in_the_sdk_shape_and_the_fake_refuses_the_old_one(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int
) -> None:
    buttons = [{"title": "Lệ phí", "payload": "/ask_fee"}, {"title": "Gọi 115", "payload": "tel:115"}]
    enqueue(app, commune_id, "Bạn muốn hỏi gì thêm?", buttons=buttons)
    await drain(app)
    [body] = zalo.sent
    assert body["message"]["text"] == "Bạn muốn hỏi gì thêm?"
    assert body["message"]["attachment"] == {
        "type": "template",
        "payload": {
            "buttons": [
                {"title": "Lệ phí", "type": "oa.query.hide", "payload": "/ask_fee"},
                {"title": "Gọi 115", "type": "oa.open.phone", "payload": {"phone_code": "115"}},
            ]
        },
    }
    sdk_buttons = body["message"]["attachment"]["payload"]["buttons"]
    old = {"type": "template", "payload": {"template_type": "button", "buttons": sdk_buttons}}
    async with httpx.AsyncClient() as http:
        refused = await http.post(
            f"{zalo.url}/v3.0/oa/message/cs",
            json={"recipient": {"user_id": UID}, "message": {"text": "x", "attachment": old}},
            headers={"access_token": "access-0"},
        )
    assert refused.json()["error"] == -201


# 3. ZNS parameters per type ----------------------------------------------------------------------------------------


def case_notice(app: FastAPI, commune_id: int, conversation: str, **context: Any) -> int:
    with transaction(app.state.sessionmaker) as session:
        return enqueue_message(
            session,
            commune_id=commune_id,
            conversation_id=conversation,
            text="Hồ sơ của bạn đã được giải quyết.",
            kind="case_resolved",
            context=context,
        ).id


def citizen_with_phone(app: FastAPI, commune_id: int, conversation: str, phone: str) -> None:
    with transaction(app.state.sessionmaker) as session:
        citizen = Citizen(commune_id=commune_id, display_name=None, phone=phone)
        session.add(citizen)
        session.flush()
        conversations.ensure(session, conversation_id=conversation, commune_id=commune_id)
        conversations.update_row(session, conversation_id=conversation, citizen_id=citizen.id)


TYPED = {
    "ten": {"type": "customer_name", "value": "{name}"},
    "ma_ho_so": {"type": "code", "value": "{case_code}"},
    "ngay": {"type": "time", "value": "{date}"},
    "le_phi": {"type": "currency", "value": "{fee}"},
}


@pytest.fixture
def typed_template(app: FastAPI, zalo: FakeZalo) -> FakeZalo:
    zalo.zns_templates = {
        "tpl-case": {"ten": "customer_name", "ma_ho_so": "code", "ngay": "time", "le_phi": "currency"}
    }
    configure_zalo(app, zns_base=zalo.url, zns_templates={"case_status": {"template_id": "tpl-case", "params": TYPED}})
    return zalo


async def test_zns_parameters_that_fit_their_types_are_sent_with_dates_in_zalos_format(
    app: FastAPI, gateway: httpx.AsyncClient, typed_template: FakeZalo, commune_id: int
) -> None:
    conversation = "zalo:xa-demo:7000000000000000001"
    citizen_with_phone(app, commune_id, conversation, "0987654321")
    case_notice(
        app, commune_id, conversation, name="Trần Thị Bích", case_code="HS-2026-0042", date="2026-12-06", fee=50000
    )
    await drain(app)
    [zns] = typed_template.zns_sent
    assert zns["template_data"] == {
        "ten": "Trần Thị Bích",
        "ma_ho_so": "HS-2026-0042",
        "ngay": "06/12/2026",
        "le_phi": "50000",
    }
    assert [m.status for m in outbox(app)] == ["sent"]


@pytest.mark.parametrize(
    ("context", "words"),
    [
        (
            {"name": "Công ty Trách nhiệm hữu hạn Một thành viên Nông sản"},
            "'ten' (Tên khách hàng) dài 51 ký tự, tối đa 30",
        ),
        ({"date": "6/12/2026"}, "'ngay' (Thời gian) phải là dd/mm/yyyy"),
        ({"fee": "50.000"}, "'le_phi' (Tiền tệ (VNĐ)) phải là số nguyên dương"),
        ({"case_code": ""}, "'ma_ho_so' (Mã số) không có giá trị"),
    ],
)
async def test_zns_parameters_zalo_would_refuse_are_not_sent_and_the_officer_reads_why(
    app: FastAPI,
    gateway: httpx.AsyncClient,
    typed_template: FakeZalo,
    commune_id: int,
    context: dict[str, str],
    words: str,
) -> None:
    conversation = "zalo:xa-demo:7000000000000000002"
    citizen_with_phone(app, commune_id, conversation, "0987654322")
    good = {"name": "Trần Thị Bích", "case_code": "HS-2026-0042", "date": "06/12/2026", "fee": "50000"}
    case_notice(app, commune_id, conversation, **{**good, **context})
    await drain(app)
    [message] = outbox(app)
    assert message.status == "failed" and words in (message.last_error or ""), message.last_error
    assert typed_template.zns_sent == [] and not any("zns" in c for c in typed_template.calls)  # nothing paid for


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"ten": "x" * 31, "ma_ho_so": "A", "ngay": "06/12/2026", "le_phi": "1"}, -1121),
        ({"ten": "An", "ma_ho_so": "A", "ngay": "6/12/2026", "le_phi": "1"}, -1124),
        ({"ten": "An", "ma_ho_so": "A", "ngay": "31/02/2026", "le_phi": "1"}, -1124),
        ({"ten": "An", "ma_ho_so": "A", "ngay": "06/12/2026", "le_phi": "1.000"}, -1124),
        ({"ten": "An", "ngay": "06/12/2026", "le_phi": "1"}, -1122),
    ],
)
def test_the_fake_zns_enforces_the_limits_per_type(typed_template: FakeZalo, data: dict[str, str], code: int) -> None:
    body = {"phone": "84987654321", "template_id": "tpl-case", "template_data": data, "tracking_id": "t"}
    answer = httpx.post(f"{typed_template.url}/message/template", json=body, headers={"access_token": "access-0"})
    assert answer.json()["error"] == code


async def test_an_unknown_parameter_type_in_the_configuration_is_named(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo, commune_id: int
) -> None:
    params = {"ten": {"type": "ten_nguoi", "value": "{name}"}}
    configure_zalo(app, zns_base=zalo.url, zns_templates={"case_status": {"template_id": "tpl-x", "params": params}})
    conversation = "zalo:xa-demo:7000000000000000003"
    citizen_with_phone(app, commune_id, conversation, "0987654323")
    case_notice(app, commune_id, conversation, name="An")
    await drain(app)
    [message] = outbox(app)
    assert message.status == "failed" and "loại 'ten_nguoi' không có" in (message.last_error or "")


# 4. The citizen's name from their Zalo profile ---------------------------------------------------------------------


async def test_the_first_message_looks_up_the_citizens_name_once_and_staff_see_it(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo
) -> None:
    zalo.profiles[UID] = {
        "display_name": "Lê Văn Tám",
        "avatar": "https://s240-ava-talk.zadn.vn/a.jpg",
        "avatars": {"120": "https://s120-ava-talk.zadn.vn/a.jpg", "240": "https://s240-ava-talk.zadn.vn/a.jpg"},
    }
    await citizen_writes(gateway, zalo.app_id, UID, "Làm giấy khai sinh cần gì?")
    await drain(app)
    await citizen_writes(gateway, zalo.app_id, UID, "Cảm ơn")
    await drain(app)
    assert zalo.profile_calls == [UID]  # asked once, on the first message
    with app.state.sessionmaker() as session:
        citizen_id = session.scalar(
            select(Citizen.id)
            .join(Conversation, Conversation.citizen_id == Citizen.id)
            .where(Conversation.conversation_id == CONV)
        )
    citizen = await gateway.get(f"/api/v1/citizens/{citizen_id}", headers=staff_headers(app))
    assert citizen.status_code == 200 and citizen.json()["display_name"] == "Lê Văn Tám"  # a name, not an id


async def test_a_profile_that_cannot_be_read_does_not_hold_the_message(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo
) -> None:
    # the fake has no profile for this user: −201 (real content: a bare greeting makes no citizen row, issue 26)
    await citizen_writes(gateway, zalo.app_id, UID, "Cho em hỏi làm giấy khai sinh cho con cần gì")
    await drain(app)
    assert zalo.profile_calls == [UID]
    with app.state.sessionmaker() as session:
        citizen = session.scalar(select(Citizen).join(Conversation).where(Conversation.conversation_id == CONV))
    assert citizen is not None and citizen.display_name is None
    assert zalo.texts(UID)  # the bot (or the busy reply) answered all the same


async def test_a_name_the_citizen_gave_is_not_replaced(
    app: FastAPI, gateway: httpx.AsyncClient, zalo: FakeZalo
) -> None:
    zalo.profiles[UID] = {"display_name": "Tám Lê 🌸"}
    await zalo_shares_phone(gateway, zalo.app_id, UID, "0912345678")  # the form carries "Nguyễn Văn An"
    await drain(app)
    await citizen_writes(gateway, zalo.app_id, UID, "Xin chào")
    await drain(app)
    assert zalo.profile_calls == []
