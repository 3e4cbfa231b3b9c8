"""The gateway's own CPU per turn, and where it goes: web turns and Zalo/Telegram webhooks against a stand-in Rasa.

The gateway runs as in production (scripts/start-gateway.sh, its workers on); Rasa is replaced by a loopback server
that answers every turn at once with fixed replies and a reading (as bot/reading.py sends it), so the figure is the
gateway's alone and does not depend on the machine's load the way latencies do. CPU is read from /proc for the
gateway process; ``--py-spy`` also samples it (all threads) and prints the functions with the most samples, own and
with callees. Not a target check (benchmarks/bench_channels.py compares against Rasa in one run): a profiling aid.

    .venv/bin/python benchmarks/profile_gateway.py [--turns 400] [--concurrency 20] [--py-spy]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from botstack import OA_SECRET, ROOT, TG_SECRET, TOKEN, cpu_seconds, prepare

from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server

console = Console()
MESSAGES = ["xin chào", "cảm ơn bạn", "tạm biệt", "chào bạn", "ok cảm ơn nhiều", "chào ad"]
REPLY = [{"text": "Dạ, em chào anh/chị. Em có thể giúp gì ạ?"}]


def fake_rasa() -> Any:
    """Rasa's REST channel as the gateway uses it: a turn answered with the replies and the reading."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        if scope["path"] == "/webhooks/rest/webhook":
            request = json.loads(body)
            replies = [{"recipient_id": request["sender"], **r} for r in REPLY]
            parse = {"text": request["message"], "intent": {"name": "greet", "confidence": 0.97}, "entities": [],
                     "intent_ranking": [{"name": "greet", "confidence": 0.97}]}  # fmt: skip
            wanted = b"parse=true" in scope.get("query_string", b"")
            payload = json.dumps({"messages": replies, "parse": parse} if wanted else replies).encode()
        else:
            payload = b'{"version": "3.6", "model_id": "stand-in"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def start_gateway(work: Path, database_url: str, rasa_url: str, tree: Path) -> ServerProcess:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return start_server(
        "gateway", [str(tree / "scripts" / "start-gateway.sh")], url=url, ready_path="/api/v1/communes/xa-demo",
        log_dir=work,
        env={"PYTHONPATH": str(tree), "UVICORN_BIN": str(ROOT / ".venv" / "bin" / "uvicorn"),
             "XASO_SERVICE_TOKEN": "bench-service-token", "XASO_GATEWAY_URL": url, "XASO_DATABASE_URL": database_url,
             "XASO_RASA_URL": rasa_url, "XASO_RASA_TOKEN": TOKEN, "XASO_ACTIONS_URL": "http://127.0.0.1:9",
             "XASO_GATEWAY_PORT": str(port), "XASO_RUN_BACKGROUND_JOBS": "true",
             **WEB_BUDGETS_OFF},  # many citizens from one address: the web budgets would refuse them
    )  # fmt: skip


async def post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """A POST sent again when a kept-alive connection was closed under it (both paths deduplicate by message id)."""
    for attempt in range(3):
        try:
            return await client.post(url, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def web_turns(base: str, turns: int, concurrency: int, tag: str) -> int:
    counter = itertools.count()
    done = 0

    async def citizen(index: int, client: httpx.AsyncClient) -> None:
        nonlocal done
        while (n := next(counter)) < turns:
            body = {"sender": f"{tag}{index:04d}c{n // (12 * concurrency):03d}", "message": MESSAGES[n % 6],
                    "metadata": {"message_id": f"{tag}-{n}"}}  # fmt: skip
            response = await post(client, f"{base}/webhooks/web", json=body)
            done += response.status_code == 200 and bool(response.json())

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(citizen(i, client) for i in range(concurrency)))
    return done


async def platform_turns(base: str, channel: str, fake: Any, turns: int, concurrency: int, first: int) -> int:
    """Webhook events, each answered by the gateway through the outbox to the fake platform; counted when all
    replies arrived."""
    counter = itertools.count()

    async def citizen(index: int, client: httpx.AsyncClient) -> None:
        while (n := next(counter)) < turns:
            recipient = str(first + index)
            if channel == "zalo":
                payload = {
                    "app_id": fake.app_id, "event_name": "user_send_text", "timestamp": str(int(time.time() * 1000)),
                    "sender": {"id": recipient}, "recipient": {"id": "579745863508352884"},
                    "message": {"text": MESSAGES[n % 6], "msg_id": f"prof{first}{n:010d}"},
                }  # fmt: skip
                body = json.dumps(payload, ensure_ascii=False).encode()
                mac = hashlib.sha256(fake.app_id.encode() + body + payload["timestamp"].encode() + OA_SECRET.encode())
                headers = {"X-ZEvent-Signature": f"mac={mac.hexdigest()}", "Content-Type": "application/json"}
            else:
                update = {"update_id": first + n, "message": {
                    "message_id": n + 1, "date": int(time.time()), "text": MESSAGES[n % 6],
                    "chat": {"id": int(recipient), "type": "private", "first_name": "Dân"},
                    "from": {"id": int(recipient), "is_bot": False, "first_name": "Dân"}}}  # fmt: skip
                body = json.dumps(update, ensure_ascii=False).encode()
                headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET, "Content-Type": "application/json"}
            response = await post(client, f"{base}/webhooks/{channel}/xa-demo", content=body, headers=headers)
            response.raise_for_status()

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(citizen(i, client) for i in range(concurrency)))
    deadline = time.monotonic() + 120
    while len(fake.sent) < turns and time.monotonic() < deadline:  # noqa: ASYNC110 (the fake runs in another thread)
        await asyncio.sleep(0.05)
    return len(fake.sent)


def top_functions(raw: Path, limit: int = 12) -> tuple[int, list[tuple[str, int, int]]]:
    """(samples, [(function, own samples, samples with callees)]) from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  if " (" in f else f for f in stack.split(";")]  # fmt: skip
        if frames and frames[-1] in ("_worker (thread.py)", "select (selectors.py)", "run_once (base_events.py)"):
            continue  # idle
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    rows = [(name, own[name], total[name]) for name, _ in own.most_common(limit)]
    return samples, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--py-spy", action="store_true", help="sample the gateway with py-spy meanwhile")
    parser.add_argument("--channels", default="web,zalo,telegram", help="which paths to run, comma-separated")
    parser.add_argument("--tree", type=Path, default=ROOT, help="run the gateway of another checkout (its schema "
                        "must match this one's: e.g. `git worktree add /tmp/prev HEAD~1`)")  # fmt: skip
    args = parser.parse_args()
    zalo, telegram = FakeZalo(), FakeTelegram()
    results: dict[str, Any] = {"load_average_1min_before": os.getloadavg()[0]}
    with (
        tempfile.TemporaryDirectory(prefix="profile-gateway-") as tmp,
        serve(zalo.asgi()) as zurl,
        serve(telegram.asgi()) as turl,
        serve(fake_rasa()) as rasa_url,
    ):
        work = Path(tmp)
        zalo.url, telegram.url = zurl, turl
        database_url = f"sqlite:///{work / 'gateway.db'}"
        prepare(database_url, zalo, telegram)
        gateway = start_gateway(work, database_url, rasa_url, args.tree.resolve())
        try:
            asyncio.run(web_turns(gateway.url, 60, 8, "warm"))
            spy = None
            if args.py_spy:
                command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(gateway.process.pid),
                           "--format", "raw", "--rate", "250", "--gil", "--nonblocking",
                           "--output", str(ROOT / "benchmarks" / "results" / "gateway.raw")]  # fmt: skip
                spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
            n, c = args.turns, args.concurrency
            runs = (
                ("web", lambda: web_turns(gateway.url, n, c, "p")),
                ("zalo", lambda: platform_turns(gateway.url, "zalo", zalo, n, c, 7_000_000)),
                ("telegram", lambda: platform_turns(gateway.url, "telegram", telegram, n, c, 8_000_000)),
            )
            for name, run in runs:
                if name not in args.channels.split(","):
                    continue
                before, started = cpu_seconds(gateway.process.pid), time.perf_counter()
                answered = asyncio.run(run())
                seconds = time.perf_counter() - started
                cpu = cpu_seconds(gateway.process.pid) - before
                results[name] = {"turns": args.turns, "answered": answered, "seconds": seconds,
                                 "gateway_cpu_ms_per_turn": cpu * 1000 / max(answered, 1)}  # fmt: skip
            if spy is not None:
                spy.send_signal(2)
                spy.wait(timeout=60)
        finally:
            gateway.stop()
        results["load_average_1min_after"] = os.getloadavg()[0]
        title = f"CPU cổng API mỗi lượt (Rasa thay bằng máy chủ trả lời ngay), {args.concurrency} hội thoại"
        table = Table(title=title)
        for column in ("kênh", "lượt", "có trả lời", "CPU cổng ms/lượt"):
            table.add_column(column)
        for name in [n for n in ("web", "zalo", "telegram") if n in results]:
            row = results[name]
            table.add_row(name, str(row["turns"]), str(row["answered"]), f"{row['gateway_cpu_ms_per_turn']:.2f}")
        console.print(table)
        raw = ROOT / "benchmarks" / "results" / "gateway.raw"
        if args.py_spy and raw.exists():
            samples, rows = top_functions(raw)
            spy_table = Table(title=f"py-spy: {samples} mẫu không rỗi (mọi luồng)")
            for column in ("hàm", "tự thân %", "gồm hàm con %"):
                spy_table.add_column(column)
            for function, own, total in rows:
                spy_table.add_row(function, f"{100 * own / samples:.1f}", f"{100 * total / samples:.1f}")
            console.print(spy_table)
            results["py_spy_top"] = [{"function": f, "own": o, "total": t, "samples": samples} for f, o, t in rows]
    console.print(f"Tải trung bình (1 phút) trước/sau: {results['load_average_1min_before']:.1f} / "
                  f"{results['load_average_1min_after']:.1f} trên {os.cpu_count()} lõi")  # fmt: skip
    results["tree"] = str(args.tree)
    out = ROOT / "benchmarks" / "results" / "profile_gateway.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
