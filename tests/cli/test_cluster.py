"""`make run-cluster` under fire: the test runs exactly what `make run-cluster` runs (``xaso run --cluster``:
supervisord with deploy/supervisord.conf) on test databases and free ports, while citizens talk on Zalo and Telegram.
Mid-load a Rasa replica, a gateway worker and the action server are SIGKILLed at once; nothing but the supervisor (and
uvicorn, for its worker) brings them back.

Asserted: each killed process is back within a stated time, the others were never restarted; an emergency sent while
they are down is answered at once from the gateway's own screen; every message stored before the kill is answered
exactly once (Rasa ran each turn once, the citizen got its replies once, in order); no case is filed twice; no
message sent after the restart window is refused (delivered once, without the platforms' redelivery); SIGTERM stops
the whole cluster. The measured times are printed (docs/scaling.md quotes them).
"""

from __future__ import annotations

import collections
import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.cases.models import Case
from api.channel_accounts.service import upsert_account
from api.communes.service import get_commune
from api.conversations.messages import BUSY_TEXT
from api.db import make_engine, make_sessionmaker, transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.infra.leasing import as_utc
from api.outbox.models import OutboxMessage
from tests.channels import citizens as platform
from tests.channels.citizens import TelegramCitizen, ZaloCitizen
from tests.channels.conftest import OA_SECRET, TG_SECRET
from tests.channels.live import wait_until
from tests.support import cluster as harness
from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.gateway_fixtures import model_path

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.slow,
    pytest.mark.timeout(900),  # two model loads in a row (start, restart); a few minutes on a loaded 2-core machine
    pytest.mark.skipif(not harness.configured(), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"),
]

# Scripted citizens (as in benchmarks/bench_conversations.py): a procedure question, a report filed through the form
# (one case), a health question with a consultation booking (one case).
SCRIPTS = [
    ["chao em", "lam khai sinh can giay to gi", "lệ phí bao nhiêu", "xã làm việc mấy giờ", "cam on em nhieu"],
    ["chào ad", "đèn đường ở ấp 3 bị hư mấy hôm nay", "bỏ qua", "0912345678", "/affirm", "cảm ơn em"],
    ["bé nhà tôi bị sốt cao phải làm sao", "/book_consultation", "Nguyễn Văn An", "0912345678", "sáng mai", "cảm ơn"],
]  # fmt: skip
CITIZENS_PER_CHANNEL = 6
# The gateway gives a turn this long before it tells the citizen "busy" and runs it again later (default 10 s). On a
# 2-core test machine that also runs both replicas, a model reload, PostgreSQL and the citizens, a turn moved off the
# killed replica can wait that long for CPU alone. This test is about correctness (nothing lost, doubled or reordered);
# how often a citizen is told "busy" is a speed figure, for benchmarks/bench_cluster.py, not for a test.
GATEWAY_SETTINGS = {"XASO_RASA_TIMEOUT_SECONDS": "30"}
# The stated recovery bounds (seconds from the SIGKILL until the process answers again), with room for a 2-core machine
# shared with other work: uvicorn replaces a worker in seconds, the action server starts in a few, a Rasa replica
# loads its model (about a minute on a busy machine). Measured figures: docs/scaling.md.
BACK_WITHIN = {"gateway worker": 60.0, "actions": 90.0, "rasa-1": 300.0}
EMERGENCY = "ông em ngưng thở rồi"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeZalo, FakeTelegram]]:
    zalo, telegram = FakeZalo(), FakeTelegram()
    with serve(zalo.asgi()) as zalo_url, serve(telegram.asgi()) as telegram_url:
        zalo.url, telegram.url = zalo_url, telegram_url
        yield zalo, telegram


def _accounts(factory: sessionmaker[Session], zalo: FakeZalo, telegram: FakeTelegram) -> None:
    with transaction(factory) as session:
        commune = get_commune(session, slug="xa-demo")
        upsert_account(
            session, commune_id=commune.id, channel="zalo",
            config={"app_id": zalo.app_id, "api_base": zalo.url, "oauth_base": zalo.url},
            secrets={"app_secret": zalo.app_secret, "oa_secret_key": OA_SECRET},
            access_token="access-0", refresh_token="refresh-0", expires_in=90000,
        )  # fmt: skip
        upsert_account(
            session, commune_id=commune.id, channel="telegram", config={"api_base": telegram.url},
            secrets={"bot_token": telegram.token, "webhook_secret": TG_SECRET},
        )  # fmt: skip


def _talk(citizen: Any, script: list[str], errors: list[str]) -> None:
    """Like a person: the next message once the previous one was answered (or after a while without an answer). A
    delivery the gateway refuses (no answer, or not 200, after the platform's redeliveries) is an error."""
    for text in script:
        before = len(citizen.received())
        try:
            citizen.say(text)
        except (AssertionError, httpx.HTTPError) as exc:
            errors.append(f"{citizen.conversation_id}: {text!r} refused: {exc!r}")
            continue

        def answered(count: int = before) -> bool:
            return len(citizen.received()) > count

        try:
            wait_until(answered, timeout=90, what=f"a reply to {text!r}")
        except AssertionError as exc:
            errors.append(f"{citizen.conversation_id}: {exc}")
        time.sleep(random.uniform(0.05, 0.3))


def _run(citizens: list[Any], scripts: dict[str, list[str]], errors: list[str]) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=_talk, args=(c, scripts[c.conversation_id], errors), daemon=True) for c in citizens
    ]
    for thread in threads:
        thread.start()
    return threads


def _watch_recovery(cluster: harness.SupervisedCluster, workers: list[int], killed_at: float) -> dict[str, float]:
    """Seconds from the kill until each killed process answers again (polled over HTTP, 4 times a second)."""
    back: dict[str, float] = {}
    deadline = killed_at + max(BACK_WITHIN.values())
    while len(back) < len(BACK_WITHIN) and time.monotonic() < deadline:
        now = time.monotonic() - killed_at
        for name in ("rasa-1", "actions"):
            if name not in back and cluster.ready(name):
                back[name] = now
        if "gateway worker" not in back:
            current = cluster.gateway_workers()
            if len(current) == len(workers) and set(current) - set(workers):
                back["gateway worker"] = now
        time.sleep(0.25)
    return back


def _diff(conversation_id: str, got: list[str], outbox: list[OutboxMessage]) -> str:
    """Both sides in full, short: what the citizen got, and the outbox rows (id, attempts) it should have got."""
    rows = [r for r in outbox if r.conversation_id == conversation_id]
    lines = [f"{conversation_id}: received {len(got)}, outbox {len(rows)}"]
    lines += [f"  got    {i:2} {t[:70]!r}" for i, t in enumerate(got)]
    lines += [f"  outbox {i:2} #{r.id} attempts={r.attempts} {r.text[:70]!r}" for i, r in enumerate(rows)]
    return "\n".join(lines)


def _resends(got: list[str], rows: list[OutboxMessage]) -> int | None:
    """How many replies the citizen got twice in a row, if each was a row claimed again after a lease lapsed
    (``attempts`` > 1: its first sender may have died after the platform took it); None if ``got`` differs otherwise
    (a reply missing, out of order, or doubled without a second attempt)."""
    position = resends = 0
    for row in rows:
        if position >= len(got) or got[position] != row.text:
            return None
        position += 1
        if row.attempts > 1 and position < len(got) and got[position] == row.text:
            position, resends = position + 1, resends + 1
    return resends if position == len(got) else None


def _rows(factory: sessionmaker[Session], model: Any) -> list[Any]:
    with factory() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def _tracker_turns(rasa_url: str, conversation_id: str) -> list[str]:
    response = httpx.get(
        f"{rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": harness.RASA_TOKEN},
        headers={"Authorization": f"Bearer {harness.RASA_TOKEN}"},
        timeout=30,
    )
    response.raise_for_status()
    return [
        (event.get("metadata") or {}).get("turn_id", "")
        for event in response.json()["events"]
        if event["event"] == "user"
    ]


def test_make_run_cluster_survives_a_killed_rasa_replica_gateway_worker_and_action_server(
    tmp_path: Path, fakes: tuple[FakeZalo, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    zalo, telegram = fakes
    started = time.monotonic()
    with harness.supervised_cluster(tmp_path, model_path(), extra_env=GATEWAY_SETTINGS) as cluster:
        startup = time.monotonic() - started
        engine = make_engine(cluster.plan.database_url)
        factory = make_sessionmaker(engine)
        _accounts(factory, zalo, telegram)
        workers = cluster.gateway_workers()
        assert len(workers) == 2, workers
        pids = {name: cluster.pid(name) for name in harness.PROGRAMS}
        assert all(pids.values()), pids
        citizens: list[Any] = [ZaloCitizen(cluster.gateway_url, zalo) for _ in range(CITIZENS_PER_CHANNEL)]
        citizens += [TelegramCitizen(cluster.gateway_url, telegram) for _ in range(CITIZENS_PER_CHANNEL)]
        scripts = {c.conversation_id: SCRIPTS[i % len(SCRIPTS)] for i, c in enumerate(citizens)}
        errors: list[str] = []
        threads = _run(citizens, scripts, errors)
        total = sum(len(s) for s in scripts.values())
        wait_until(
            lambda: sum(r.status == "processed" for r in _rows(factory, InboxEvent)) >= total // 4,
            timeout=180,
            what="a quarter of the messages answered",
        )
        # Mid-load: a Rasa replica, a gateway worker and the action server die without a chance to clean up.
        before = _rows(factory, InboxEvent)
        stored_before = {r.id for r in before}
        open_before = {r.id for r in before if r.status != "processed"}
        killed_at, killed_wall = time.monotonic(), utcnow()
        cluster.kill("rasa-1")
        cluster.kill("actions")
        os.kill(workers[0], signal.SIGKILL)
        # Meanwhile an emergency is answered from the gateway's own screen, whatever else is down.
        asked = time.monotonic()
        emergency = httpx.post(
            f"{cluster.gateway_url}/webhooks/web",
            json={"sender": f"web-{uuid.uuid4().hex[:12]}", "message": EMERGENCY, "metadata": {"message_id": "sos"}},
            timeout=30,
        )
        emergency_seconds, actions_back = time.monotonic() - asked, cluster.ready("actions")
        assert emergency.status_code == 200, emergency.text
        assert "115" in emergency.json()[0]["text"], emergency.json()
        back = _watch_recovery(cluster, workers, killed_at)  # the load goes on meanwhile, on what is left
        for name, bound in BACK_WITHIN.items():
            assert back.get(name, bound + 1) <= bound, f"{name} not back within {bound} s: {back}\n{cluster.log_tail()}"
        window = max(back.values())
        restarted = {name: cluster.pid(name) for name in harness.PROGRAMS}
        assert restarted["rasa-1"] != pids["rasa-1"] and restarted["actions"] != pids["actions"], restarted
        assert (restarted["rasa-2"], restarted["gateway"]) == (pids["rasa-2"], pids["gateway"]), "restarted: " + str(
            restarted
        )  # the supervisor restarted what died and nothing else (uvicorn replaced its worker itself)
        for thread in threads:
            thread.join(timeout=300)
        # After the restart window every citizen says goodbye, delivered once: nothing may be refused now.
        monkeypatch.setattr(platform, "REDELIVERY_PAUSES", ())
        for thread in _run(citizens, {c.conversation_id: ["tạm biệt"] for c in citizens}, errors):
            thread.join(timeout=120)
        for citizen in citizens:
            scripts[citizen.conversation_id] = [*scripts[citizen.conversation_id], "tạm biệt"]
        total += len(citizens)
        wait_until(
            lambda: (
                all(r.status == "processed" for r in _rows(factory, InboxEvent))
                and all(r.status == "sent" for r in _rows(factory, OutboxMessage))
            ),
            timeout=120,
            what="every message answered and every reply delivered",
        )
        assert not errors, errors
        inbox, outbox = _rows(factory, InboxEvent), _rows(factory, OutboxMessage)
        cases = _rows(factory, Case)
        turns = {c.conversation_id: _tracker_turns(cluster.plan.rasa_urls[1], c.conversation_id) for c in citizens}
        taken_over = [as_utc(r.processed_at) for r in inbox if r.id in open_before and r.processed_at is not None]
        engine.dispose()
        stop_seconds = cluster.stop()
        assert cluster.process.returncode == 0 and stop_seconds < 60, (cluster.process.returncode, stop_seconds)
        assert not any(harness._alive(pid) for pid in restarted.values() if pid), "a process outlived the stop"

    citizen_rows = [r for r in inbox if r.conversation_id in scripts]
    assert len(citizen_rows) == total
    assert all(r.route == "rasa" for r in citizen_rows), collections.Counter(r.route for r in citizen_rows)
    assert stored_before <= {r.id for r in inbox if r.status == "processed"}
    busy = resends = 0
    by_conversation: dict[str, list[InboxEvent]] = collections.defaultdict(list)
    for row in citizen_rows:
        by_conversation[row.conversation_id].append(row)
    for citizen in citizens:
        rows = by_conversation[citizen.conversation_id]
        assert len(rows) == len(scripts[citizen.conversation_id])
        # Order kept: answered in the order sent, and Rasa saw each turn once, in that order.
        processed = [r.processed_at for r in rows]
        assert None not in processed and processed == sorted(p for p in processed if p is not None)
        assert turns[citizen.conversation_id] == [f"inbox-{r.id}" for r in rows], citizen.conversation_id
        # Every reply Rasa gave went out, in order, and nothing else but one "busy" notice for each message that
        # waited past the gateway's budget (that message was then answered too: Rasa saw it once, above).
        mine = [r for r in outbox if r.conversation_id == citizen.conversation_id]
        expected = [r.text for r in mine]
        got = citizen.received()
        diff = _diff(citizen.conversation_id, got, outbox)
        resent = _resends(got, mine)
        assert expected and resent is not None, diff
        assert expected.count(BUSY_TEXT) == sum(r.busy_notified for r in rows), diff
        busy += expected.count(BUSY_TEXT)
        resends += resent
    # Each report and consultation script filed exactly one case (the action server died mid-load: none lost either).
    filed = collections.Counter(c.conversation_id for c in cases if c.conversation_id in scripts)
    expected_cases = {cid for cid, script in scripts.items() if script[0] != SCRIPTS[0][0]}
    assert set(filed) == expected_cases and set(filed.values()) == {1}, filed
    # A reply is sent twice only when the worker that was sending it died before it could record it: neither platform
    # takes an idempotency key, so the outbox is at-least-once across a SIGKILL (docs/scaling.md). One worker died.
    assert resends <= 2, resends
    last = max((moment for moment in taken_over if moment is not None), default=killed_wall)
    print(  # kept in the test log: the figures docs/scaling.md quotes
        f"start {startup:.1f} s; back after the kill: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(back.items()))
        + f"; emergency answered in {emergency_seconds:.2f} s (action server back then: {actions_back}); "
        f"restart window {window:.1f} s; stop {stop_seconds:.1f} s; {busy} busy notice(s), {resends} resent "
        f"reply(ies) for {len(citizen_rows)} messages; the {len(open_before)} message(s) open at the kill all "
        f"answered {(last - killed_wall).total_seconds():.1f} s after it"
    )
