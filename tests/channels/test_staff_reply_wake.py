"""A staff reply wakes the outbox sender when its transaction commits, instead of waiting for the sender's poll.

The gateway runs over real HTTP with its workers; the sender's fallback poll is set to its longest, 60 s, and the
twenty replies take a few seconds in all, so at most one of them could ride a poll: each reply must reach the fake
Telegram within 5 s, which only the wake-up makes possible (a wake-up takes milliseconds, so a loaded machine has ample
room: a 1 s limit with a 5 s poll failed once in CI at 1.3 s). Speed is measured in
benchmarks/bench_staff_reply.py (the same path's p95 with the default settings), not here.
"""

from __future__ import annotations

import random
import time

import httpx
import pytest
from fastapi import FastAPI

from api.config import Settings
from tests.channels.live import handoff_body, staff_headers, wait_until
from tests.support.fake_telegram import FakeTelegram
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

pytestmark = pytest.mark.slow
SERVICE = {"Authorization": f"Bearer {TEST_SERVICE_TOKEN}"}
POLL_SECONDS = 60.0
REPLIES = 20
LIMIT_SECONDS = 5.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_background_jobs": True, "outbox_poll_seconds": POLL_SECONDS})


def test_every_staff_reply_reaches_telegram_well_before_the_poll(
    app: FastAPI, live: str, telegram_account: FakeTelegram
) -> None:
    chat = str(random.randrange(10**9, 10**10))
    conversation = f"tg:xa-demo:{chat}"
    staff = staff_headers(app)
    created = httpx.post(f"{live}/api/v1/internal/cases", json=handoff_body(conversation, "telegram"), headers=SERVICE)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    # Whatever the case filing queued has left; the sender is idle, waiting on its wake-up or its 60 s poll.
    time.sleep(0.3)
    before = len(telegram_account.texts(chat))

    delays = []
    with httpx.Client(base_url=live, headers=staff) as console:
        for n in range(REPLIES):
            text = f"Trả lời số {n + 1}: cán bộ đã nhận thông tin của anh/chị."
            started = time.perf_counter()
            sent = console.post(f"/api/v1/cases/{code}/replies", json={"text": text})
            assert sent.status_code == 201, sent.text
            while not any(t.startswith(text) for t in telegram_account.texts(chat)):
                # Only one reply at most could be delivered by the 60 s poll within this.
                assert time.perf_counter() - started < LIMIT_SECONDS, (
                    f"reply {n + 1} not at Telegram within {LIMIT_SECONDS:.0f} s"
                )
                time.sleep(0.002)
            delays.append(time.perf_counter() - started)
    wait_until(lambda: len(telegram_account.texts(chat)) == before + REPLIES, what="every reply exactly once")
    delays.sort()
    p95 = delays[int(0.95 * (len(delays) - 1))]
    print(f"staff reply → Telegram fake: p50 {delays[len(delays) // 2] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
