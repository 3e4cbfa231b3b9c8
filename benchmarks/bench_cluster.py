"""Cluster (issue 14): turns/s and latency with 1 and 2 Rasa replicas and 1 and 2 gateway workers, side by side in one
run, plus the CPU-seconds each process spends per turn - the inputs of docs/scaling.md's capacity model.

The cluster is the processes `make run-cluster` starts, by the same scripts with the same environment (cli/cluster.py,
tests/support/cluster.py ``running_cluster``) but without its supervisor: PostgreSQL tracker store, Redis lock store,
two Rasa replicas, the action server; the gateway is restarted for each shape (its workers, the replicas it uses).
Citizens on the web channel (answered in the response) run the scripted conversations of bench_conversations.py.
Shapes alternate (A B C D D C B A) so drift in the machine's load hits all alike. PostgreSQL's and Redis's CPU is read
from their server processes on this machine.

    .venv/bin/python benchmarks/bench_cluster.py [--seconds 20] [--citizens 20] [--rounds 2]

Needs PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL, or the local servers on their default ports).
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
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_conversations import SCRIPTS
from botstack import MODEL, ROOT, cpu_seconds, percentile

from tests.support.cluster import Cluster, running_cluster

RESULTS = ROOT / "benchmarks" / "results" / "cluster.json"
SHAPES = [(1, 1), (2, 1), (1, 2), (2, 2)]  # (Rasa replicas, gateway workers)
console = Console()
_ids = itertools.count()


def server_pids(name: str) -> list[int]:
    """Processes of a server on this machine by executable name (postgres, redis-server)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except (OSError, IndexError):
            continue  # a short-lived backend ended meanwhile
    return total


def snapshot(cluster: Cluster) -> dict[str, float]:
    gateway = [cluster.gateway.process.pid, *cluster.gateway_workers()]
    return {
        "gateway": cpu_of(gateway),
        **{f"rasa-{i + 1}": cpu_of([p.process.pid]) for i, p in enumerate(cluster.rasa)},
        "actions": cpu_of([cluster.actions.process.pid]),
        "postgresql": cpu_of(server_pids("postgres")),
        "redis": cpu_of(server_pids("redis-server")),
    }


async def load(url: str, citizens: int, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failed = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=citizens + 5, max_keepalive_connections=citizens + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def citizen(index: int) -> None:
            nonlocal failed
            for script in itertools.cycle(range(len(SCRIPTS))):
                sender = f"cl{os.getpid()}c{next(_ids):06d}"
                for text in SCRIPTS[(script + index) % len(SCRIPTS)]:
                    if time.perf_counter() >= deadline:
                        return
                    started = time.perf_counter()
                    body = {"sender": sender, "message": text, "metadata": {"message_id": f"{sender}m{next(_ids)}"}}
                    response = await client.post(f"{url}/webhooks/web", json=body)
                    if response.status_code == 200 and response.json():
                        latencies.append(time.perf_counter() - started)
                    else:
                        failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(citizen(i) for i in range(citizens)))
        return latencies, failed, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    order = [shape for r in range(args.rounds) for shape in (SHAPES if r % 2 == 0 else SHAPES[::-1])]
    runs: dict[tuple[int, int], dict[str, Any]] = defaultdict(lambda: {"lat": [], "failed": 0, "s": 0.0, "cpu": {}})
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_cluster(Path(tmp), MODEL, database="xaso_bench_cluster", redis_db=10) as cluster,
    ):
        for replicas, workers in order:
            with console.status(f"{replicas} Rasa, {workers} gateway workers…"):
                cluster.start_gateway(workers=workers, replicas=replicas)
                asyncio.run(load(cluster.gateway_url, 4, 3.0))  # warm connections and caches, not measured
                before = snapshot(cluster)
                latencies, failed, seconds = asyncio.run(load(cluster.gateway_url, args.citizens, args.seconds))
                after = snapshot(cluster)
            run = runs[(replicas, workers)]
            run["lat"] += latencies
            run["failed"] += failed
            run["s"] += seconds
            for name, value in after.items():
                run["cpu"][name] = run["cpu"].get(name, 0.0) + value - before.get(name, 0.0)
    rows = []
    for (replicas, workers), run in sorted(runs.items()):
        turns = len(run["lat"])
        rows.append({
            "rasa_replicas": replicas, "gateway_workers": workers, "turns": turns, "failed": run["failed"],
            "turns_per_s": turns / run["s"] if run["s"] else 0.0,
            "p50_ms": percentile(run["lat"], 50), "p95_ms": percentile(run["lat"], 95),
            "cpu_ms_per_turn": {k: v * 1000 / turns for k, v in run["cpu"].items()} if turns else {},
        })  # fmt: skip
    table = Table(title=f"Cluster: {args.citizens} web citizens, {args.rounds}×{args.seconds:.0f} s per shape")
    for column in ("Rasa × gateway", "turns/s", "p50 ms", "p95 ms", "failed", "CPU ms/turn: gateway · Rasa · "
                   "actions · PostgreSQL · Redis"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        cpu = row["cpu_ms_per_turn"]
        rasa = sum(v for k, v in cpu.items() if k.startswith("rasa"))
        table.add_row(
            f"{row['rasa_replicas']} × {row['gateway_workers']}", f"{row['turns_per_s']:.1f}",
            f"{row['p50_ms']:.0f}", f"{row['p95_ms']:.0f}", str(row["failed"]),
            f"{cpu.get('gateway', 0):.1f} · {rasa:.1f} · {cpu.get('actions', 0):.1f} · "
            f"{cpu.get('postgresql', 0):.1f} · {cpu.get('redis', 0):.2f}",
        )  # fmt: skip
    console.print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2), encoding="utf-8")
    console.print(f"Kết quả: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
