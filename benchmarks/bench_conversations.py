"""Conversations (issue 4): turn latency of whole citizen conversations, through the gateway's web channel and
straight to Rasa's REST channel, on the same model in the same run.

Three scripted conversations (a procedure question with office hours and case status; a report filed through the
form; a health question with a consultation booking) run with fresh conversation ids, serially and with 20 citizens
at once, alternating the two paths (A B B A) so drift in the machine's load hits both alike. A turn "runs actions"
when Rasa ran a custom action or a form for it, as read back from Rasa's tracker. A last serial row measures turns
100–150 of one long conversation, because Rasa's cost per turn grows with the session's length.

    .venv/bin/python benchmarks/bench_conversations.py [--seconds 20] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from botstack import MODEL, ROOT, TOKEN, percentile, prepare, start_processes

from tests.support.asgi_thread import serve
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_zalo import FakeZalo

RESULTS = ROOT / "benchmarks" / "results" / "conversations.json"
SCRIPTS: list[list[str]] = [
    ["chao em", "lam khai sinh can giay to gi", "lệ phí bao nhiêu", "xã làm việc mấy giờ",
     "phản ánh của tôi trước đó sao rồi", "cam on em nhieu", "tạm biệt"],
    ["chào ad", "đèn đường ở ấp 3 bị hư mấy hôm nay", "bỏ qua", "0912345678", "/affirm", "cảm ơn em"],
    ["bé nhà tôi bị sốt cao phải làm sao", "/book_consultation", "Nguyễn Văn An", "0912345678", "sáng mai",
     "sot xuat huyet can luu y gi", "cảm ơn"],
]  # fmt: skip
LONG_TURNS, LONG_MEASURED_FROM = 150, 100
STOCK_ACTIONS = {"action_listen", "action_session_start", "action_restart", "action_default_fallback",
                 "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
                 "action_default_ask_rephrase", "action_back", "action_two_stage_fallback", "action_unlikely_intent",
                 "action_extract_slots"}  # fmt: skip
console = Console()
_ids = itertools.count()  # conversation and message ids, unique in this process


class Paths:
    """One turn on either path; every conversation id is fresh, and the gateway's maps to Rasa's as web:xa-demo:…"""

    def __init__(self, rasa_url: str, gateway_url: str) -> None:
        self.rasa_url, self.gateway_url = rasa_url, gateway_url

    def new_conversation(self, path: str) -> str:
        return f"{path}{os.getpid()}c{next(_ids):06d}"

    async def turn(self, client: httpx.AsyncClient, path: str, conversation: str, text: str) -> float:
        started = time.perf_counter()
        if path == "rasa":
            body = {"sender": f"web:xa-demo:{conversation}", "message": text, "metadata": {"commune": "xa-demo"}}
            response = await client.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, params={"token": TOKEN})
        else:
            body = {"sender": conversation, "message": text, "metadata": {"message_id": f"{conversation}m{next(_ids)}"}}
            response = await client.post(f"{self.gateway_url}/webhooks/web", json=body)
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"no reply to {text!r} on {path}")
        return time.perf_counter() - started


Sample = tuple[int, int, float]  # script, turn index, seconds


async def run_script(paths: Paths, client: httpx.AsyncClient, path: str, script: int, out: list[Sample]) -> str:
    conversation = paths.new_conversation(path)
    for index, text in enumerate(SCRIPTS[script]):
        out.append((script, index, await paths.turn(client, path, conversation, text)))
    return conversation


async def serial(paths: Paths, rounds: int) -> tuple[dict[str, list[Sample]], dict[str, list[str]]]:
    samples: dict[str, list[Sample]] = {"rasa": [], "gateway": []}
    conversations: dict[str, list[str]] = {"rasa": [], "gateway": []}
    async with httpx.AsyncClient(timeout=30) as client:
        for round_ in range(rounds):
            for script in range(len(SCRIPTS)):
                for path in ("rasa", "gateway") if round_ % 2 == 0 else ("gateway", "rasa"):
                    conversations[path].append(await run_script(paths, client, path, script, samples[path]))
    return samples, conversations


async def concurrent(paths: Paths, path: str, citizens: int, seconds: float) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=citizens + 5, max_keepalive_connections=citizens + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def citizen(index: int) -> None:
            for script in itertools.cycle(range(len(SCRIPTS))):
                if time.perf_counter() >= deadline:
                    return
                await run_script(paths, client, path, (script + index) % len(SCRIPTS), samples)

        started = time.perf_counter()
        await asyncio.gather(*(citizen(i) for i in range(citizens)))
        return samples, time.perf_counter() - started


async def long_conversation(paths: Paths, path: str) -> list[float]:
    texts = itertools.cycle(["xin chào", "xã làm việc mấy giờ", "cảm ơn", "lam khai sinh can giay to gi"])
    conversation, measured = paths.new_conversation(path), []
    async with httpx.AsyncClient(timeout=30) as client:
        for index in range(LONG_TURNS):
            seconds = await paths.turn(client, path, conversation, next(texts))
            if index >= LONG_MEASURED_FROM:
                measured.append(seconds)
    return measured


def actions_per_turn(rasa_url: str, conversation: str, custom: set[str]) -> list[list[str]]:
    """The custom actions (and forms) Rasa ran after each user message, read back from its tracker."""
    tracker = httpx.get(f"{rasa_url}/conversations/{conversation}/tracker", params={"token": TOKEN}, timeout=30)
    tracker.raise_for_status()
    turns: list[list[str]] = []
    for event in tracker.json()["events"]:
        if event["event"] == "user":
            turns.append([])
        elif event["event"] == "action" and turns and event["name"] in custom:
            turns[-1].append(event["name"])
    return turns


def classify(rasa_url: str, conversations: dict[str, list[str]]) -> tuple[set[tuple[int, int]], int]:
    """Which (script, turn) run actions, from the first Rasa-alone run of each script; and how many turns of every
    other run (either path) ran different actions (0: both paths hold the same conversations)."""
    domain = httpx.get(f"{rasa_url}/domain", params={"token": TOKEN}, headers={"Accept": "application/json"})
    domain.raise_for_status()
    custom = {a for a in domain.json()["actions"] if a not in STOCK_ACTIONS} | set(domain.json().get("forms", {}))
    # Both paths talk to Rasa as web:xa-demo:<conversation> (the web channel's conversation id).
    first_runs = conversations["rasa"][: len(SCRIPTS)]  # one per script, in script order
    reference = [actions_per_turn(rasa_url, f"web:xa-demo:{conversation}", custom) for conversation in first_runs]
    with_actions = {(s, t) for s, turns in enumerate(reference) for t, names in enumerate(turns) if names}
    mismatches = 0
    for path in ("rasa", "gateway"):
        for number, conversation in enumerate(conversations[path]):
            actual = actions_per_turn(rasa_url, f"web:xa-demo:{conversation}", custom)
            expected = reference[number % len(SCRIPTS)]
            mismatches += sum(a != e for a, e in zip(actual, expected, strict=False)) + abs(len(actual) - len(expected))
    return with_actions, mismatches


def summarise(name: str, samples: list[Sample], with_actions: set[tuple[int, int]], seconds: float) -> dict[str, Any]:
    every = [s for _, _, s in samples]
    acting = [s for script, turn, s in samples if (script, turn) in with_actions]
    return {
        "name": name,
        "turns": len(every),
        "turns_with_actions": len(acting),
        "throughput": len(every) / seconds if seconds else None,
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "actions_p50_ms": percentile(acting, 50),
        "actions_p95_ms": percentile(acting, 95),
    }


async def measure(rasa_url: str, gateway_url: str, seconds: float, rounds: int) -> dict[str, Any]:
    paths = Paths(rasa_url, gateway_url)
    await serial(paths, 1)  # warm both paths (models, connections, caches)
    with console.status("Tuần tự: kịch bản hội thoại trên hai đường…"):
        serial_samples, conversations = await serial(paths, rounds)
    with_actions, mismatches = classify(rasa_url, conversations)
    rows = [summarise(f"{label} (tuần tự)", serial_samples[path], with_actions, 0.0)
            for path, label in (("rasa", "Rasa REST"), ("gateway", "Cổng /webhooks/web"))]  # fmt: skip
    parts: dict[str, tuple[list[Sample], float]] = {"rasa": ([], 0.0), "gateway": ([], 0.0)}
    for order in (("rasa", "gateway"), ("gateway", "rasa")):
        for path in order:
            with console.status(f"20 người dân cùng lúc: {path}…"):
                got, took = await concurrent(paths, path, 20, seconds / 2)
            parts[path] = (parts[path][0] + got, parts[path][1] + took)
    for path, label in (("rasa", "Rasa REST"), ("gateway", "Cổng /webhooks/web")):
        rows.append(summarise(f"{label} (20 hội thoại)", parts[path][0], with_actions, parts[path][1]))
    rows[-1]["throughput_ratio"] = rows[-1]["throughput"] / rows[-2]["throughput"]
    with console.status("Một hội thoại dài (lượt 100–150)…"):
        for path, label in (("rasa", "Rasa REST"), ("gateway", "Cổng /webhooks/web")):
            long = [(0, 0, s) for s in await long_conversation(paths, path)]
            rows.append(summarise(f"{label} (hội thoại dài, lượt 100–150)", long, set(), 0.0))
    return {"runs": rows, "action_mismatches": mismatches, "turns_with_actions": sorted(with_actions)}


def report(results: dict[str, Any]) -> None:
    table = Table(title="Hội thoại: cổng API so với Rasa chạy một mình (cùng mô hình, cùng lượt chạy)")
    for column in ("đường đi", "lượt", "lượt/s", "p50 ms", "p95 ms", "lượt có action", "p50 có action",
                   "p95 có action", "tỉ lệ lượt/s"):  # fmt: skip
        table.add_column(column, justify="left" if column == "đường đi" else "right")
    for row in results["runs"]:
        cells = [row["turns"], row["throughput"], row["p50_ms"], row["p95_ms"], row["turns_with_actions"],
                 row["actions_p50_ms"], row["actions_p95_ms"], row.get("throughput_ratio")]  # fmt: skip
        table.add_row(row["name"], *("" if c is None else f"{c:.2f}" if isinstance(c, float) and c < 5 else
                                     f"{c:.0f}" if isinstance(c, float) else str(c) for c in cells))  # fmt: skip
    console.print(table)
    console.print(f"Lượt chạy action khác nhau giữa các lần chạy cùng kịch bản: {results['action_mismatches']}")
    load = results["load_average_1min"]
    console.print(f"Tải trung bình của máy lúc đo (1 phút): {load:.1f} trên {os.cpu_count()} lõi")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per path with 20 citizens at once")
    parser.add_argument("--rounds", type=int, default=6, help="serial rounds of every script on each path")
    args = parser.parse_args()
    if not MODEL.exists():
        console.print("[red]Chưa có mô hình: chạy `xaso train` trước.[/red]")
        return 1
    zalo, telegram = FakeZalo(), FakeTelegram()
    with (
        tempfile.TemporaryDirectory(prefix="bench-conversations-") as tmp,
        serve(zalo.asgi()) as zalo_url,
        serve(telegram.asgi()) as telegram_url,
    ):
        zalo.url, telegram.url = zalo_url, telegram_url
        database_url = f"sqlite:///{Path(tmp) / 'gateway.db'}"
        prepare(database_url, zalo, telegram)
        with console.status("Khởi động action server, Rasa và cổng API…"):
            processes = start_processes(Path(tmp), database_url)
        try:
            results = asyncio.run(measure(processes[1].url, processes[2].url, args.seconds, args.rounds))
        finally:
            for process in reversed(processes):
                process.stop()
    results["load_average_1min"] = os.getloadavg()[0]
    report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if results["action_mismatches"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
