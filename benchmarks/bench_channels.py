"""Channels under load, side by side with Rasa alone on the same model in the same run.

Web channel: turns through ``POST /webhooks/web`` (gateway → inbox → Rasa → reply) against turns sent straight to
Rasa's REST channel, serially and with 20 and 50 concurrent citizens (throughput, p50/p95, answered, lost); each
citizen starts a new conversation every 12 turns.
Zalo and Telegram: time from the webhook's receipt to the fake platform receiving the reply, 20 concurrent citizens.
Real Rasa, action server and gateway processes on loopback; only Zalo and Telegram are local fakes.

    .venv/bin/python benchmarks/bench_channels.py [--seconds 6]
    .venv/bin/python benchmarks/bench_channels.py --baseline /tmp/prev   # gateway CPU per turn against that checkout
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from botstack import MODEL, OA_SECRET, ROOT, TG_SECRET, TOKEN, Run, cpu_seconds, prepare, start_processes

from api.db import make_engine, make_sessionmaker
from api.inbox_events.models import InboxEvent
from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server

RESULTS = ROOT / "benchmarks" / "results" / "channels.json"
BASELINE_RESULTS = ROOT / "benchmarks" / "results" / "channels_baseline.json"
MESSAGES = ["xin chào", "cảm ơn bạn", "tạm biệt", "chào bạn", "ok cảm ơn nhiều", "chào ad"]
# A citizen's conversation: after this many turns the simulated citizen starts a new one. Rasa's cost per turn grows
# with the length of the conversation's session (benchmarks/bench_conversations.py measures that separately).
TURNS_PER_CONVERSATION = 12
console = Console()


async def load(name: str, url: str, body_for: Any, concurrency: int, seconds: float, params: dict[str, str]) -> Run:
    run = Run(name)
    deadline = time.perf_counter() + seconds
    counter = itertools.count()

    async def user(index: int, client: httpx.AsyncClient) -> None:
        turn = 0
        while time.perf_counter() < deadline:
            body = body_for(index, turn // TURNS_PER_CONVERSATION, next(counter))
            turn += 1
            started = time.perf_counter()
            try:
                response = await client.post(url, json=body, params=params)
            except httpx.HTTPError:
                run.failed += 1
                continue
            elapsed = time.perf_counter() - started
            if response.status_code == 200 and isinstance(response.json(), list):
                run.latencies.append(elapsed)
                run.answered += bool(response.json())
            else:
                run.failed += 1

    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(user(i, client) for i in range(concurrency)))
        run.seconds = time.perf_counter() - started
    return run


def rasa_body(prefix: str) -> Any:
    return lambda user, conversation, n: {
        "sender": f"web:xa-demo:{prefix}{user:04d}c{conversation:04d}",
        "message": MESSAGES[n % len(MESSAGES)],
        "metadata": {"commune": "xa-demo", "channel": "web"},
    }


def gateway_body(prefix: str) -> Any:
    return lambda user, conversation, n: {
        "sender": f"{prefix}{user:04d}c{conversation:04d}",
        "message": MESSAGES[n % len(MESSAGES)],
        "metadata": {"message_id": f"{prefix}-{n}"},
    }


@dataclass
class Arrivals:
    """Reply arrival times at a fake platform, per recipient (filled from the fake server's thread)."""

    times: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, recipient: str) -> None:
        with self.lock:
            self.times.setdefault(recipient, []).append(time.perf_counter())

    def count(self, recipient: str) -> int:
        with self.lock:
            return len(self.times.get(recipient, []))

    def nth(self, recipient: str, n: int) -> float:
        with self.lock:
            return self.times[recipient][n]


async def webhook_latency(
    name: str, send: Any, arrivals: Arrivals, concurrency: int, seconds: float, first_id: int
) -> Run:
    """Each citizen sends, waits for the first reply at the fake platform, then sends again."""
    run = Run(name)
    deadline = time.perf_counter() + seconds

    async def citizen(index: int, client: httpx.AsyncClient) -> None:
        recipient = f"{first_id + index}"
        n = 0
        while time.perf_counter() < deadline:
            before = arrivals.count(recipient)
            started = time.perf_counter()
            await send(client, recipient, n)
            n += 1
            limit = started + 30
            # The fake platform runs in another thread: poll its record rather than share an asyncio.Event.
            while arrivals.count(recipient) <= before and time.perf_counter() < limit:  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            if arrivals.count(recipient) <= before:
                run.failed += 1
                continue
            run.latencies.append(arrivals.nth(recipient, before) - started)
            run.answered += 1
            # Let the rest of this turn's replies arrive before the next message.
            settled = -1
            while settled != arrivals.count(recipient):
                settled = arrivals.count(recipient)
                await asyncio.sleep(0.03)

    async with httpx.AsyncClient(timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(citizen(i, client) for i in range(concurrency)))
        run.seconds = time.perf_counter() - started
    return run


def zalo_sender(base: str, fake: FakeZalo) -> Any:
    ids = itertools.count()

    async def send(client: httpx.AsyncClient, recipient: str, n: int) -> None:
        i = next(ids)
        payload = {
            "app_id": fake.app_id, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000) + i),
            "sender": {"id": recipient}, "recipient": {"id": "579745863508352884"},
            "message": {"text": MESSAGES[n % len(MESSAGES)], "msg_id": f"bench{i:012d}"},
        }  # fmt: skip
        body = json.dumps(payload, ensure_ascii=False).encode()
        mac = hashlib.sha256(fake.app_id.encode() + body + payload["timestamp"].encode() + OA_SECRET.encode())
        headers = {"X-ZEvent-Signature": f"mac={mac.hexdigest()}", "Content-Type": "application/json"}
        response = await client.post(f"{base}/webhooks/zalo/xa-demo", content=body, headers=headers)
        response.raise_for_status()

    return send


def telegram_sender(base: str) -> Any:
    ids = itertools.count(900_000_000)

    async def send(client: httpx.AsyncClient, recipient: str, n: int) -> None:
        chat = int(recipient)
        update = {
            "update_id": next(ids),
            "message": {"message_id": n + 1, "date": int(time.time()), "text": MESSAGES[n % len(MESSAGES)],
                        "chat": {"id": chat, "type": "private", "first_name": "Dân"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Dân"}},
        }  # fmt: skip
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        response = await client.post(f"{base}/webhooks/telegram/xa-demo", json=update, headers=headers)
        response.raise_for_status()

    return send


def instrument(fake: FakeZalo | FakeTelegram, arrivals: Arrivals) -> None:
    """Record when each reply reaches the fake platform."""
    if isinstance(fake, FakeZalo):
        fake.sent = _Recording(lambda body: arrivals.record(str(body["recipient"]["user_id"])))
    else:
        fake.sent = _Recording(lambda params: arrivals.record(str(params["chat_id"])))


class _Recording(list):  # type: ignore[type-arg]
    def __init__(self, hook: Any) -> None:
        super().__init__()
        self._hook = hook

    def append(self, item: Any) -> None:
        super().append(item)
        self._hook(item)


def count_inbox(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        rows = session.query(InboxEvent.status).filter(InboxEvent.channel == "web").all()
    engine.dispose()
    return len(rows), sum(1 for (status,) in rows if status == "processed")


async def measure(rasa: ServerProcess, gateway: ServerProcess, seconds: float, zalo: FakeZalo, tg: FakeTelegram,
                  arrivals: Arrivals) -> list[dict[str, Any]]:  # fmt: skip
    rasa_url, gw_url = f"{rasa.url}/webhooks/rest/webhook", f"{gateway.url}/webhooks/web"
    rasa_params = {"token": TOKEN}
    await load("warm-up", rasa_url, rasa_body("warm"), 8, 3.0, rasa_params)
    await load("warm-up", gw_url, gateway_body("warm"), 8, 3.0, {})
    rows = []
    for concurrency in (1, 20, 50):
        label = "tuần tự" if concurrency == 1 else f"{concurrency} hội thoại"
        alone, through = Run(f"Rasa REST ({label})"), Run(f"Cổng /webhooks/web ({label})")
        # Alternate A B B A so that drift in the machine's load (two shared cores) hits both paths alike.
        for round_, order in enumerate(((alone, through), (through, alone))):
            for target in order:
                cpu_before = cpu_seconds(gateway.process.pid), cpu_seconds(rasa.process.pid)
                if target is alone:
                    part = await load("", rasa_url, rasa_body(f"r{concurrency}-{round_}-"), concurrency, seconds / 2,
                                      rasa_params)  # fmt: skip
                else:
                    part = await load("", gw_url, gateway_body(f"g{concurrency}r{round_}"), concurrency, seconds / 2,
                                      {})  # fmt: skip
                part.gateway_cpu = cpu_seconds(gateway.process.pid) - cpu_before[0]
                part.rasa_cpu = cpu_seconds(rasa.process.pid) - cpu_before[1]
                target.merge(part)
        a, g = alone.summary(), through.summary()
        g["throughput_ratio"] = g["throughput"] / a["throughput"] if a["throughput"] else float("nan")
        g["p95_ratio"] = g["p95_ms"] / a["p95_ms"] if a["p95_ms"] else float("nan")
        rows += [a, g]
    zalo_run = await webhook_latency("Zalo: webhook → nền tảng giả nhận trả lời (20)", zalo_sender(gateway.url, zalo),
                                     arrivals, 20, seconds, 7_000_000)  # fmt: skip
    tg_run = await webhook_latency("Telegram: webhook → nền tảng giả nhận trả lời (20)", telegram_sender(gateway.url),
                                   arrivals, 20, seconds, 8_000_000)  # fmt: skip
    return [*rows, zalo_run.summary(), tg_run.summary()]


def start_baseline(work: Path, tree: Path, rasa: ServerProcess, actions: ServerProcess) -> ServerProcess:
    """A second gateway from another checkout (the previous release), its own SQLite migrated and seeded by that
    checkout's code, talking to the same Rasa and action server."""
    database_url = f"sqlite:///{work / 'baseline.db'}"
    setup = (
        "import sys\nfrom api.migrate import upgrade_database\nfrom api.db import make_engine, make_sessionmaker, "
        "transaction\nfrom api.seed import seed_all\nupgrade_database(sys.argv[1])\n"
        "with transaction(make_sessionmaker(make_engine(sys.argv[1]))) as session:\n"
        "    seed_all(session, slug='xa-demo')"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", setup, database_url], cwd=tree, env=env, check=True, capture_output=True)
    port = free_port()
    return start_server(
        "baseline-gateway", [str(tree / "scripts" / "start-gateway.sh")], url=f"http://127.0.0.1:{port}",
        ready_path="/api/v1/communes/xa-demo", log_dir=work,
        env={"PYTHONPATH": str(tree), "UVICORN_BIN": str(ROOT / ".venv" / "bin" / "uvicorn"),
             "XASO_SERVICE_TOKEN": "bench-service-token", "XASO_GATEWAY_URL": f"http://127.0.0.1:{port}",
             "XASO_DATABASE_URL": database_url, "XASO_RASA_URL": rasa.url, "XASO_RASA_TOKEN": TOKEN,
             "XASO_ACTIONS_URL": actions.url, "XASO_GATEWAY_PORT": str(port), "XASO_RUN_BACKGROUND_JOBS": "true",
             **WEB_BUDGETS_OFF},
    )  # fmt: skip


async def against_baseline(current: ServerProcess, baseline: ServerProcess, seconds: float) -> list[dict[str, Any]]:
    """Gateway CPU per web turn, this checkout against the baseline, same Rasa, alternating A B B A twice."""
    for server in (current, baseline):
        await load("warm-up", f"{server.url}/webhooks/web", gateway_body(f"w{server.process.pid}"), 8, 3.0, {})
    rows = []
    for concurrency in (1, 20):
        label = "tuần tự" if concurrency == 1 else f"{concurrency} hội thoại"
        runs = {current.name: Run(f"Bản này ({label})"), baseline.name: Run(f"Bản trước ({label})")}
        for round_, order in enumerate(((current, baseline), (baseline, current)) * 2):
            for server in order:
                before = cpu_seconds(server.process.pid)
                part = await load("", f"{server.url}/webhooks/web",
                                  gateway_body(f"{server.name[:1]}{concurrency}r{round_}"), concurrency, seconds / 4,
                                  {})  # fmt: skip
                part.gateway_cpu = cpu_seconds(server.process.pid) - before
                runs[server.name].merge(part)
        now, before_ = runs[current.name].summary(), runs[baseline.name].summary()
        now["cpu_ms_more_than_baseline"] = now["gateway_cpu_ms_per_turn"] - before_["gateway_cpu_ms_per_turn"]
        rows += [before_, now]
    return rows


def baseline_main(tree: Path, seconds: float) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        work = Path(tmp)
        database_url = f"sqlite:///{work / 'gateway.db'}"
        zalo, telegram = FakeZalo(), FakeTelegram()
        prepare(database_url, zalo, telegram)
        with console.status("Khởi động action server, Rasa, cổng API này và cổng API bản trước…"):
            processes = start_processes(work, database_url)
            baseline = start_baseline(work, tree, processes[1], processes[0])
        try:
            rows = asyncio.run(against_baseline(processes[2], baseline, seconds))
        finally:
            baseline.stop()
            for process in reversed(processes):
                process.stop()
    table = Table(title=f"CPU cổng API cho mỗi lượt web: bản này so với {tree} (cùng Rasa, cùng lượt chạy)")
    for column in ("cổng", "lượt", "p50 ms", "p95 ms", "lỗi", "CPU cổng ms/lượt", "hơn bản trước ms/lượt"):
        table.add_column(column, justify="left" if column == "cổng" else "right")
    for row in rows:
        more = f"{row['cpu_ms_more_than_baseline']:+.2f}" if "cpu_ms_more_than_baseline" in row else ""
        table.add_row(row["name"], str(row["turns"]), f"{row['p50_ms']:.0f}", f"{row['p95_ms']:.0f}",
                      str(row["failed"]), f"{row['gateway_cpu_ms_per_turn']:.2f}", more)  # fmt: skip
    console.print(table)
    load_average = os.getloadavg()[0]
    console.print(f"Tải trung bình của máy lúc đo (1 phút): {load_average:.1f} trên {os.cpu_count()} lõi")
    BASELINE_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    BASELINE_RESULTS.write_text(json.dumps({"baseline": str(tree), "runs": rows, "load_average_1min": load_average},
                                           indent=2, ensure_ascii=False))  # fmt: skip
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per path and concurrency")
    parser.add_argument("--baseline", type=Path, help="another checkout (e.g. `git worktree add /tmp/prev HEAD`): "
                        "compare only the gateway's CPU per web turn against it")  # fmt: skip
    args = parser.parse_args()
    if not MODEL.exists():
        console.print("[red]Chưa có mô hình: chạy `xaso train` trước.[/red]")
        return 1
    if args.baseline:
        return baseline_main(args.baseline.resolve(), args.seconds)
    zalo, telegram, arrivals = FakeZalo(), FakeTelegram(), Arrivals()
    instrument(zalo, arrivals)
    instrument(telegram, arrivals)
    with (
        tempfile.TemporaryDirectory(prefix="bench-channels-") as tmp,
        serve(zalo.asgi()) as zurl,
        serve(telegram.asgi()) as turl,
    ):
        work = Path(tmp)
        zalo.url, telegram.url = zurl, turl
        database_url = f"sqlite:///{work / 'gateway.db'}"
        prepare(database_url, zalo, telegram)
        with console.status("Khởi động action server, Rasa và cổng API…"):
            processes = start_processes(work, database_url)
        try:
            rows = asyncio.run(measure(processes[1], processes[2], args.seconds, zalo, telegram, arrivals))
            time.sleep(1.0)
            stored, processed = count_inbox(database_url)
        finally:
            for process in reversed(processes):
                process.stop()
    table = Table(title="Kênh: cổng API so với Rasa chạy một mình (cùng mô hình, cùng lượt chạy)")
    columns = ("đường đi", "lượt", "lượt/s", "p50 ms", "p95 ms", "có trả lời", "lỗi", "tỉ lệ lượt/s", "tỉ lệ p95",
               "CPU cổng ms/lượt", "CPU Rasa ms/lượt")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "đường đi" else "right")
    for row in rows:
        ratio = f"{row['throughput_ratio']:.2f}" if "throughput_ratio" in row else ""
        p95_ratio = f"{row['p95_ratio']:.2f}" if "p95_ratio" in row else ""
        cpu = [
            f"{row[k]:.1f}" if k in row and row[k] == row[k] else ""
            for k in ("gateway_cpu_ms_per_turn", "rasa_cpu_ms_per_turn")
        ]
        numbers = [str(row["turns"]), f"{row['throughput']:.1f}", f"{row['p50_ms']:.0f}", f"{row['p95_ms']:.0f}"]
        table.add_row(row["name"], *numbers, str(row["answered"]), str(row["failed"]), ratio, p95_ratio, *cpu)
    console.print(table)
    web_turns = sum(r["turns"] - r["failed"] for r in rows if r["name"].startswith("Cổng"))
    console.print(f"Tin nhắn web được lưu: {stored} (đã xử lý {processed}); lượt web có phản hồi HTTP 200: {web_turns}")
    if stored < web_turns or processed < stored:
        # A turn answered without being stored or processed was not a turn through Rasa (a refusal, a budget):
        # the figures above would compare the gateway's refusals with Rasa's answers.
        console.print("[red]Không hợp lệ: có lượt web được trả lời mà không được lưu hoặc xử lý.[/red]")
        return 1
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    load_average = os.getloadavg()[0]
    console.print(f"Tải trung bình của máy lúc đo (1 phút): {load_average:.1f} trên {os.cpu_count()} lõi")
    RESULTS.write_text(json.dumps({"runs": rows, "web_inbox": {"stored": stored, "processed": processed},
                                   "load_average_1min": load_average}, indent=2, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
