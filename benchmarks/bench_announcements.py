"""Announcements to 10,000 subscribers (5,000 on Zalo, 5,000 on Telegram) through a real gateway process.

Measured, one gateway process on SQLite (``--postgres``: on a fresh PostgreSQL database), platforms faked in this
process (so their CPU is not the gateway's):
1. Queueing: the staff's POST itself (it only records the announcement), then from the POST to all 10,000 outbox
   messages written by the background job (chunked, restart-safe), with the progress the console shows meanwhile.
2. Delivery at the platforms' limits: the fakes refuse anything faster than Telegram's documented ~30 messages/s
   and an assumed 12/s for Zalo (no figure is published in our notes); the gateway sends at its defaults, 25/s and
   10/s. Delivering all 10,000 at those rates takes ~8 minutes, so a window of it is measured and the total is
   extrapolated from the measured rates (stated as such in the results).
3. An emergency published in the middle of that backlog: time until its first and its 200th message go out.
4. Gateway CPU per delivered message with the rate limits lifted (the gateway's own cost: claim, send, record).

    .venv/bin/python benchmarks/bench_announcements.py [--window 30] [--unthrottled 60] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from botstack import ROOT, cpu_seconds, prepare
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from api.auth.tokens import issue_token
from api.bulletins.models import Announcement, Priority, Status
from api.bulletins.schemas import BulletinCreate
from api.bulletins.service import audio_key, create_bulletin
from api.channel_accounts.models import ChannelAccount
from api.communes.models import Commune
from api.db import make_engine, make_sessionmaker, transaction, utcnow
from api.inbox_events.models import InboxEvent
from api.outbox.models import OutboxMessage
from api.staff.models import Role
from api.staff.service import create_staff
from api.subscriptions.hamlets import hamlet_key
from api.subscriptions.models import Subscription
from broadcast.settings import BroadcastSettings
from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.processes import ServerProcess, free_port, start_server

RESULTS = ROOT / "benchmarks" / "results" / "announcements.json"
SUBSCRIBERS = 10_000
HAMLETS = ["Ấp 1", "Ấp 2", "Ấp 3", "Ấp 4", "Ấp 5"]
TELEGRAM_LIMIT, ZALO_LIMIT = 30.0, 12.0  # what the fakes accept per second
PG_URL = os.environ.get("XASO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
console = Console()


def seed(database_url: str, zalo: FakeZalo, telegram: FakeTelegram) -> tuple[str, int, int]:
    """Subscribers (Zalo ones wrote recently: inside the window), two approved bulletins, a staff token."""
    prepare(database_url, zalo, telegram)
    engine = make_engine(database_url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        commune = session.scalar(select(Commune).where(Commune.slug == "xa-demo"))
        assert commune is not None
        commune.settings = {**(commune.settings or {}), "hamlets": HAMLETS}
        now = utcnow()
        subs, events = [], []
        for n in range(SUBSCRIBERS):
            zalo_side = n % 2 == 0
            key = f"zalo:xa-demo:7{n:018d}" if zalo_side else f"tg:xa-demo:{900000000 + n}"
            hamlet = HAMLETS[n % 5]
            subs.append(
                {"commune_id": commune.id, "conversation_id": key, "channel": "zalo" if zalo_side else "telegram",
                 "status": "active", "hamlet": hamlet, "hamlet_key": hamlet_key(hamlet),
                 "topics": ["chung", "y_te", "khan_cap"], "awaiting_hamlet": False, "source": "follow",
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
            if zalo_side:
                events.append(
                    {"commune_id": commune.id, "channel": "zalo", "event_id": f"e{n}", "conversation_id": key,
                     "raw": "{}", "status": "processed", "attempts": 1, "busy_notified": False, "received_at": now,
                     "next_attempt_at": now}
                )  # fmt: skip
        session.execute(insert(Subscription), subs)
        session.execute(insert(InboxEvent), events)
        ids = []
        for title, priority in (("Lịch tiêm chủng tháng 12", Priority.thong_thuong), ("Bão số 9", Priority.khan_cap)):
            data = BulletinCreate(title=title, body=f"{title}: bà con chú ý theo dõi.", priority=priority)
            bulletin = create_bulletin(session, commune_id=commune.id, data=data, settings=BroadcastSettings())
            bulletin.status = Status.approved.value
            bulletin.audio_path = f"broadcast/xa-demo/bulletin-{bulletin.id}.mp3"
            bulletin.audio_hash = audio_key(bulletin)
            ids.append(bulletin.id)
        staff = create_staff(
            session, commune_id=commune.id, login="bench.phat.thanh", full_name="Cán bộ", password="mat-khau-bench-123",
            role=Role.admin,
        )  # fmt: skip
        _row, secret = issue_token(session, staff=staff, name="bench")
    engine.dispose()
    return secret, ids[0], ids[1]


def set_rates(database_url: str, rate: float | None) -> None:
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        for account in session.scalars(select(ChannelAccount)):
            config = {k: v for k, v in (account.config or {}).items() if not k.endswith("rate_per_second")}
            if rate is not None:
                config["rate_per_second"] = rate
            account.config = config
    engine.dispose()


def start_gateway(work: Path, database_url: str) -> ServerProcess:
    port = free_port()
    return start_server(
        "gateway", [str(ROOT / "scripts" / "start-gateway.sh")], url=f"http://127.0.0.1:{port}",
        ready_path="/api/v1/communes/xa-demo", log_dir=work,
        env={"XASO_DATABASE_URL": database_url, "XASO_RASA_URL": "http://127.0.0.1:9", "XASO_GATEWAY_PORT": str(port),
             "XASO_RUN_BACKGROUND_JOBS": "true"},
    )  # fmt: skip


@contextmanager
def database(work: Path, postgres: bool) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{work / 'bench.db'}"
        return
    name = f"xaso_bench_ann_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Db:
    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.factory = make_sessionmaker(self.engine)

    def announcement_done(self, bulletin_id: int) -> bool:
        with self.factory() as session:
            status = session.scalar(select(Announcement.status).where(Announcement.bulletin_id == bulletin_id))
            return status == "queued"

    def progress(self, bulletin_id: int) -> tuple[int, int | None]:
        with self.factory() as session:
            row = session.execute(
                select(Announcement.queued_count, Announcement.recipients).where(
                    Announcement.bulletin_id == bulletin_id
                )
            ).one()
            return row[0], row[1]

    def outbox(self) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    def first_sent(self, text: str) -> Any:
        with self.factory() as session:
            return session.scalar(
                select(func.min(OutboxMessage.sent_at)).where(
                    OutboxMessage.text.contains(text), OutboxMessage.sent_at.isnot(None)
                )
            )


def wait(probe: Any, timeout: float, what: str) -> float:
    started = time.perf_counter()
    while not probe():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=float, default=30.0, help="seconds of delivery measured at the real rates")
    parser.add_argument("--unthrottled", type=float, default=60.0, help="seconds of delivery with limits lifted")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (XASO_BENCH_POSTGRES_URL) not SQLite")
    args = parser.parse_args()
    zalo, telegram = FakeZalo(), FakeTelegram()
    results: dict[str, Any] = {
        "database": "postgresql" if args.postgres else "sqlite",
        "subscribers": SUBSCRIBERS,
        "zalo_subscribers": SUBSCRIBERS // 2,
    }
    with (
        serve(zalo.asgi()) as zalo_url,
        serve(telegram.asgi()) as telegram_url,
        tempfile.TemporaryDirectory() as tmp,
        database(Path(tmp), args.postgres) as database_url,
    ):
        zalo.url, telegram.url = zalo_url, telegram_url
        work = Path(tmp)
        secret, normal_id, urgent_id = seed(database_url, zalo, telegram)
        zalo.rate_limit, telegram.rate_limit = ZALO_LIMIT, TELEGRAM_LIMIT
        db = Db(database_url)
        gateway = start_gateway(work, database_url)
        headers = {"Authorization": f"Bearer {secret}"}
        try:
            cpu0 = cpu_seconds(gateway.process.pid)
            started = time.perf_counter()
            response = httpx.post(
                f"{gateway.url}/api/v1/bulletins/{normal_id}/announcements", json={}, headers=headers, timeout=60
            )
            assert response.status_code == 201, response.text
            results["post_ms"] = round((time.perf_counter() - started) * 1000, 1)  # the request only records it
            progress: list[str] = []  # what the console would show meanwhile: queued / recipients

            def done() -> bool:
                queued, recipients = db.progress(normal_id)
                shown = f"{queued}/{recipients if recipients is not None else '?'}"
                if not progress or progress[-1] != shown:
                    progress.append(shown)
                return db.announcement_done(normal_id)

            wait(done, 300, "queueing")
            results["queue_seconds"] = round(time.perf_counter() - started, 2)  # from the staff's POST
            results["progress_seen"] = " ".join(progress)
            results["load_average_1m"] = round(os.getloadavg()[0], 2)
            cpu_queued = cpu_seconds(gateway.process.pid)  # includes the sends made while queueing
            results["queued_messages"] = db.outbox()
            queued_at, zalo0, tg0 = time.perf_counter(), len(zalo.sent), len(telegram.sent)
            time.sleep(args.window)
            window = time.perf_counter() - queued_at
            zalo_window, tg_window = len(zalo.sent) - zalo0, len(telegram.sent) - tg0
            zalo_rate, tg_rate = zalo_window / window, tg_window / window
            window_cpu = cpu_seconds(gateway.process.pid) - cpu_queued
            half = SUBSCRIBERS // 2
            results["throttled"] = {
                "window_seconds": round(window, 1),
                "zalo_sent": zalo_window, "telegram_sent": tg_window,
                "zalo_per_second": round(zalo_rate, 2), "telegram_per_second": round(tg_rate, 2),
                "rejected_by_platform_rate_limit": zalo.rate_limited + telegram.rate_limited,
                "gateway_cpu_ms_per_message": round(window_cpu * 1000 / max(zalo_window + tg_window, 1), 2),
                "extrapolated_minutes_for_all": round(half / max(min(zalo_rate, tg_rate), 0.01) / 60, 1),
            }  # fmt: skip
            # An emergency in the middle of the backlog: everyone subscribed (the emergency topic) gets it first.
            before = len(telegram.sent) + len(zalo.sent)
            response = httpx.post(f"{gateway.url}/api/v1/bulletins/{urgent_id}/publish", headers=headers, timeout=60)
            assert response.status_code == 200, response.text

            def urgent_count() -> int:
                return sum("Bão số 9" in m.get("text", "") for m in telegram.sent) + sum(
                    "Bão số 9" in m["message"].get("text", "") for m in zalo.sent
                )

            first = wait(lambda: urgent_count() >= 1, 120, "the first emergency message")
            two_hundred = wait(lambda: urgent_count() >= 200, 300, "200 emergency messages") + first
            after = len(telegram.sent) + len(zalo.sent) - before
            results["emergency"] = {
                "first_message_seconds": round(first, 2),
                "first_200_seconds": round(two_hundred, 2),
                "share_emergency_after_publish": round(urgent_count() / max(after, 1), 3),
            }
            results["queue_gateway_cpu_seconds"] = round(cpu_queued - cpu0, 2)
        finally:
            gateway.stop()
        # The gateway's own cost: limits lifted on both sides, a fresh process, the remaining backlog.
        zalo.rate_limit = telegram.rate_limit = None
        set_rates(database_url, 100_000.0)
        gateway = start_gateway(work, database_url)
        try:
            sent0 = len(zalo.sent) + len(telegram.sent)
            cpu0 = cpu_seconds(gateway.process.pid)
            started = time.perf_counter()
            time.sleep(args.unthrottled)
            seconds = time.perf_counter() - started
            sent = len(zalo.sent) + len(telegram.sent) - sent0
            cpu = cpu_seconds(gateway.process.pid) - cpu0
            results["unthrottled"] = {
                "seconds": round(seconds, 1), "messages": sent, "per_second": round(sent / seconds, 1),
                "gateway_cpu_ms_per_message": round(cpu * 1000 / max(sent, 1), 2),
            }  # fmt: skip
        finally:
            gateway.stop()
        duplicates = len(zalo.sent) - len({(m["recipient"]["user_id"], m["message"].get("text")) for m in zalo.sent})
        duplicates += len(telegram.sent) - len({(str(m["chat_id"]), m.get("text")) for m in telegram.sent})
        results["duplicates"] = duplicates
    path = RESULTS.with_name("announcements-postgresql.json") if args.postgres else RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    table = Table(title="Announcements, 10,000 subscribers")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in results.items():
        if isinstance(value, dict):
            for sub, val in value.items():
                table.add_row(f"{key}.{sub}", str(val))
        else:
            table.add_row(key, str(value))
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
