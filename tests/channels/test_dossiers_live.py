"""Issue 24's "done when", end to end on the web channel with a real Rasa, the action server and the gateway's workers:
ask the demo source for a printed code, ask to be told of changes, move the demo dossier on, see the change arrive on
the widget's event stream."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.config import Settings
from tests.channels.citizens import WebCitizen
from tests.channels.live import staff_headers, wait_until
from tests.support.gateway_fixtures import BotStack

pytestmark = [pytest.mark.rasa, pytest.mark.slow]
CODE = "000.00.07.H12-261130-0012"  # printed by the seed


@pytest.fixture
def settings(settings: Settings, bot_stack: BotStack) -> Settings:
    return settings.model_copy(update={"rasa_url": bot_stack.rasa.url, "run_background_jobs": True})


def test_ask_watch_and_receive_a_demo_dossier_change_on_the_web(app: FastAPI, live: str) -> None:
    citizen = WebCitizen(live)
    try:
        replies = citizen.say(f"mã {CODE} đến đâu rồi")
        answer = next(r for r in replies if "hồ sơ" in r.get("text", ""))
        assert answer["text"].startswith("[DỮ LIỆU MẪU]") and "Đang được giải quyết" in answer["text"]
        button = next(b for b in answer["buttons"] if b["title"] == "Báo khi có thay đổi")
        watched = citizen.say(button["payload"])
        assert any("em sẽ nhắn anh/chị" in r.get("text", "") for r in watched), watched
        moved = httpx.post(f"{live}/api/v1/dossiers/demo/{CODE}/advance", headers=staff_headers(app), timeout=30)
        assert moved.status_code == 200 and moved.json()["notices_queued"] == 1, moved.text
        arrived = wait_until(
            lambda: [t for t in citizen.received() if t.startswith("Hồ sơ của anh/chị vừa có cập nhật.")],
            what="the change notice on the event stream",
        )
        assert "Đã có kết quả" in arrived[0] and "giấy biên nhận" in arrived[0]
    finally:
        citizen.close()
