"""Long sessions (issue 14): Rasa's time per turn early in a conversation (turns 10–50) and late (turns 100–150), for
the Rasa server as it was (bot/speedups.py only) and as it is now (plus bot/sessions.py), side by side in one run.

Two Rasa servers with the same model, each with its own SQLite tracker store, one action server. Each plays the same
long conversation of 150 turns. Their turns alternate (A B B A …) so drift in the machine's load hits both alike.
The target: late p95 within 1.3× of early p95 (it was 2.5×).

    .venv/bin/python benchmarks/bench_long_sessions.py [--conversations 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from botstack import MODEL, ROOT, TOKEN, cpu_seconds, percentile

from tests.support.processes import ServerProcess, free_port, start_server

RESULTS = ROOT / "benchmarks" / "results" / "long_sessions.json"
TURNS, EARLY, LATE = 150, (10, 50), (100, 150)
TEXTS = ["xin chào", "xã làm việc mấy giờ", "cảm ơn", "lam khai sinh can giay to gi"]
SERVICE_TOKEN = "bench-service-token"
# The server as it was before bot/sessions.py: stock Rasa with bot/speedups.py, started the way bot/server.py starts.
BEFORE = "from bot import speedups; speedups.apply(); from rasa.__main__ import main; main()"
console = Console()


def start_rasa(name: str, work: Path, actions_url: str, *, before: bool) -> ServerProcess:
    port = free_port()
    env = {
        "XASO_RASA_MODEL": str(MODEL), "XASO_TRACKER_DB": str(work / f"{name}.db"), "XASO_RASA_TOKEN": TOKEN,
        "XASO_RASA_PORT": str(port), "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        "XASO_ACTION_ENDPOINT_URL": f"{actions_url}/webhook",
    }  # fmt: skip
    command = [str(ROOT / "scripts" / "start-rasa.sh")]
    if before:  # the same script and endpoints, with the old server module
        env["RASA_PYTHON"] = str(work / "rasa-before.sh")
        (work / "rasa-before.sh").write_text(
            f'#!/usr/bin/env bash\nshift 2\nexec {ROOT}/.venv-rasa/bin/python -c "{BEFORE}" "$@"\n', encoding="utf-8"
        )
        (work / "rasa-before.sh").chmod(0o755)
    return start_server(
        name, command, url=f"http://127.0.0.1:{port}", ready_path=f"/status?token={TOKEN}", log_dir=work,
        env=env, timeout=600,
    )  # fmt: skip


def turn(client: httpx.Client, server: ServerProcess, sender: str, text: str, index: int) -> float:
    started = time.perf_counter()
    response = client.post(
        f"{server.url}/webhooks/rest/webhook",
        params={"token": TOKEN},
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"sender": sender, "message": text, "metadata": {"commune": "xa-demo", "turn_id": f"{sender}-{index}"}},
    )
    response.raise_for_status()
    if not response.json():
        raise RuntimeError(f"no reply to {text!r}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=2, help="long conversations per server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        actions_port = free_port()
        actions = start_server(
            "actions", [str(ROOT / "scripts" / "start-actions.sh")], url=f"http://127.0.0.1:{actions_port}",
            ready_path="/health", log_dir=work,
            env={"XASO_ACTIONS_PORT": str(actions_port), "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
                 "XASO_GATEWAY_URL": "http://127.0.0.1:9"},
        )  # fmt: skip
        servers: dict[str, ServerProcess] = {}
        try:
            servers["before"] = start_rasa("before", work, actions.url, before=True)
            servers["now"] = start_rasa("now", work, actions.url, before=False)
            samples: dict[str, list[tuple[int, float]]] = {name: [] for name in servers}
            cpu = {name: -cpu_seconds(s.process.pid) for name, s in servers.items()}
            with httpx.Client(timeout=60) as client, console.status("Hội thoại dài…"):
                for conversation in range(args.conversations):
                    texts = itertools.cycle(TEXTS)
                    for index in range(TURNS):
                        text = next(texts)
                        order = ["before", "now"] if (index + conversation) % 2 == 0 else ["now", "before"]
                        for name in order:
                            sender = f"web:xa-demo:long{conversation}{name}"
                            samples[name].append((index, turn(client, servers[name], sender, text, index)))
            for name, server in servers.items():
                cpu[name] += cpu_seconds(server.process.pid)
        finally:
            for server in servers.values():
                server.stop()
            actions.stop()
    rows = []
    for name, points in samples.items():
        early = [s for i, s in points if EARLY[0] <= i < EARLY[1]]
        late = [s for i, s in points if LATE[0] <= i < LATE[1]]
        early_p95, late_p95 = percentile(early, 95) or 0.0, percentile(late, 95) or 0.0
        rows.append({
            "server": name, "early_p50_ms": percentile(early, 50), "early_p95_ms": early_p95,
            "late_p50_ms": percentile(late, 50), "late_p95_ms": late_p95, "late_over_early_p95": late_p95 / early_p95,
            "cpu_ms_per_turn": cpu[name] * 1000 / len(points),
        })  # fmt: skip
    table = Table(title=f"Rasa, {args.conversations} conversations of {TURNS} turns per server, alternating")
    for column in ("server", "turns 10–50 p50 / p95 ms", "turns 100–150 p50 / p95 ms", "late ÷ early p95",
                   "Rasa CPU ms/turn"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(
            "before (speedups only)" if row["server"] == "before" else "now (+ sessions.py)",
            f"{row['early_p50_ms']:.0f} / {row['early_p95_ms']:.0f}",
            f"{row['late_p50_ms']:.0f} / {row['late_p95_ms']:.0f}",
            f"{row['late_over_early_p95']:.2f}×", f"{row['cpu_ms_per_turn']:.1f}",
        )  # fmt: skip
    console.print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2), encoding="utf-8")
    console.print(f"Kết quả: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
