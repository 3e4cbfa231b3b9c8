"""An announcement survives a gateway restart mid-send (real uvicorn processes over one database): every subscriber
of the chosen hamlet gets it exactly once, on Zalo and Telegram, and nobody else gets it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.db import transaction, utcnow
from api.inbox_events.models import InboxEvent
from tests.channels.announcing import announcement_rows, approved_bulletin, configure_rate, set_hamlets, subscriber
from tests.channels.gateway_process import kill_hard, start_gateway
from tests.channels.live import staff_headers, wait_until
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

pytestmark = pytest.mark.slow
NO_RASA = "http://127.0.0.1:9"  # announcements need no bot
RECIPIENTS = 200  # per channel; half of them in ấp 3


def wrote_recently(app: FastAPI, commune_id: int, conversation_id: str) -> None:
    """The citizen wrote to the OA today (the window's source is the stored inbound event)."""
    with transaction(app.state.sessionmaker) as session:
        session.add(
            InboxEvent(
                commune_id=commune_id,
                channel="zalo",
                event_id=f"hello-{conversation_id}",
                conversation_id=conversation_id,
                raw="{}",
                status="processed",
                received_at=utcnow(),
            )
        )


@pytest.mark.parametrize("how", ["sigterm-while-sending", "sigkill-during-outage"])
def test_an_announcement_reaches_exactly_its_hamlet_once_across_a_gateway_restart(
    app: FastAPI,
    database_url: str,
    zalo_account: FakeZalo,
    telegram_account: FakeTelegram,
    commune_id: int,
    tmp_path: Path,
    how: str,
) -> None:
    zalo, telegram = zalo_account, telegram_account
    set_hamlets(app)
    # More recipients than a worker keeps in flight (64), sent slowly enough that the restart lands mid-send.
    configure_rate(app, "zalo", 20)
    configure_rate(app, "telegram", 20)
    expected_zalo, expected_tg = set(), set()
    for n in range(RECIPIENTS):
        hamlet = "Ấp 3" if n % 2 == 0 else "Ấp 4"
        uid, chat = f"51000000000000{n:05d}", 6100000 + n
        subscriber(app, commune_id, f"zalo:xa-demo:{uid}", hamlet)
        wrote_recently(app, commune_id, f"zalo:xa-demo:{uid}")
        subscriber(app, commune_id, f"tg:xa-demo:{chat}", hamlet)
        if hamlet == "Ấp 3":
            expected_zalo.add(uid)
            expected_tg.add(str(chat))
    bulletin_id = approved_bulletin(app, commune_id, title="Lịch cắt điện ấp 3")
    headers = staff_headers(app)
    if how == "sigkill-during-outage":
        zalo.down = telegram.down = True
    gateway = start_gateway(database_url, NO_RASA, tmp_path / "run1")
    try:
        response = httpx.post(
            f"{gateway.url}/api/v1/bulletins/{bulletin_id}/announcements",
            json={"hamlets": ["Ấp 3"]},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        wait_until(lambda: len(announcement_rows(app, bulletin_id)) == RECIPIENTS, what="the recipients queued")
        if how == "sigterm-while-sending":
            wait_until(lambda: len(zalo.sent) >= 10 and len(telegram.sent) >= 10, what="sending under way")
            gateway.stop()  # SIGTERM: in-flight sends finish and are recorded, the rest wait in the outbox
            half = RECIPIENTS // 2
            assert len(zalo.sent) < half and len(telegram.sent) < half, "the restart came too late to test anything"
        else:
            wait_until(
                lambda: sum(r.attempts >= 1 for r in announcement_rows(app, bulletin_id)) >= 10,
                what="attempts during the outage",
            )
            kill_hard(gateway)  # SIGKILL: no draining; leases expire and the rows are taken again
            zalo.down = telegram.down = False
    finally:
        gateway.stop()
    restarted = start_gateway(database_url, NO_RASA, tmp_path / "run2")
    try:
        wait_until(
            lambda: all(r.status == "sent" for r in announcement_rows(app, bulletin_id)),
            timeout=120,
            what="every message sent after the restart",
        )
    finally:
        restarted.stop()
    assert Counter(m["recipient"]["user_id"] for m in zalo.sent) == Counter(dict.fromkeys(expected_zalo, 1))
    assert Counter(str(m["chat_id"]) for m in telegram.sent) == Counter(dict.fromkeys(expected_tg, 1))
    assert all("Lịch cắt điện ấp 3" in m["message"]["text"] for m in zalo.sent)
