"""Case management under load: the staff case list (50 per page) with 100,000 cases, and case creation per second,
on SQLite and PostgreSQL side by side, with a bare FastAPI endpoint on the same machine as the ceiling.

Each backend gets a fresh database, migrated and seeded, then 100,000 cases bulk-loaded with SQL (not the API).
Real uvicorn processes on loopback; list latencies are measured serially and interleaved across the servers so
all see the same machine load; creation runs with 8 concurrent clients through the action server's endpoint.
Targets (issue 3): SQLite list p95 <= 50 ms, SQLite creation >= 200/s. Issue 13: word search p95 <= 30 ms at 100k
cases on both backends ("search: …" rows: a rare phrase, words that match ~1 in 100 cases, a phone number).

    .venv/bin/python benchmarks/bench_cases.py [ROUNDS]

Before/after in one run: XASO_BENCH_BASELINE=<another checkout of the project> adds that checkout's gateways, each
on its own copy of the same 100,000 cases (loaded and migrated by that checkout's code), to the interleaved lists.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.cases.catalog import CATEGORIES  # noqa: E402
from benchmarks.cases_data import CASES, bulk_load  # noqa: E402
from tests.support.processes import ServerProcess, free_port, start_server  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "cases.json"
SERVICE_TOKEN = "bench-service-token"
PG_URL = os.environ.get("XASO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CREATE_CLIENTS = 8
TARGET_LIST_P95_MS = 50.0
TARGET_CREATES_PER_S = 200.0
TARGET_SEARCH_P95_MS = 30.0
BASELINE = os.environ.get("XASO_BENCH_BASELINE")  # another checkout, measured side by side
console = Console()

# The ceiling: FastAPI doing nothing but answering, under the same uvicorn, with a payload of the same size.
bare_app = FastAPI()
_BARE_PAGE = {
    "items": [{"code": f"PA-2025-{i:06d}", "title": "Ổ gà lớn trên đường liên ấp", "status": "new"} for i in range(50)],
    "total": CASES,
    "page": 1,
    "per_page": 50,
}


@bare_app.get("/bare/cases")
def bare_list() -> dict[str, Any]:
    return _BARE_PAGE


@bare_app.post("/bare/cases", status_code=201)
def bare_create(body: dict[str, Any]) -> dict[str, Any]:
    return {"code": "PA-2026-000001", "status": "new", "title": body.get("title")}


def start_uvicorn(name: str, app: str, work: Path, env: dict[str, str], app_dir: Path = ROOT) -> ServerProcess:
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--app-dir",
        str(app_dir),
    ]
    if app.startswith("api.main"):
        command.append("--factory")
    return start_server(
        name, command, url=f"http://127.0.0.1:{port}", ready_path="/openapi.json", log_dir=work, env=env, timeout=120
    )


def baseline_load(checkout: str, url: str) -> str:
    """The baseline checkout loads its own copy of the cases, with its own code and migrations; its officer's token."""
    script = "import sys; from benchmarks.cases_data import bulk_load; print(bulk_load(sys.argv[1])[0])"
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script, url],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": checkout},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def gateway_env(url: str, work: Path) -> dict[str, str]:
    return {
        "XASO_DATABASE_URL": url,
        "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        "XASO_RUN_BACKGROUND_JOBS": "false",
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_RASA_URL": "http://127.0.0.1:9",
    }


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def measure_lists(targets: dict[str, tuple[str, dict[str, str]]], rounds: int) -> dict[str, dict[str, float]]:
    """Serial GETs, interleaved: every round hits every target once, in a shuffled order."""
    samples: dict[str, list[float]] = {name: [] for name in targets}
    rng = random.Random(11)
    with httpx.Client(timeout=30) as client:
        for url, headers in targets.values():  # warm-up
            for _ in range(10):
                client.get(url, headers=headers).raise_for_status()
        for _ in range(rounds):
            order = list(targets.items())
            rng.shuffle(order)
            for name, (url, headers) in order:
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                samples[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (name, response.text[:200])
    return {
        name: {
            "p50_ms": round(statistics.median(v), 2),
            "p95_ms": round(percentile(v, 95), 2),
            "max_ms": round(max(v), 2),
            "n": len(v),
        }
        for name, v in samples.items()
    }


def cpu_seconds(server: ServerProcess) -> float:
    """User + system CPU the server process has used: unlike wall time, barely moved by other load on the machine."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_ms(server: ServerProcess, run: Any) -> tuple[Any, float, int]:
    before = cpu_seconds(server)
    result, requests = run()
    return result, (cpu_seconds(server) - before) * 1000 / requests, requests


def list_cpu(server: ServerProcess, url: str, headers: dict[str, str], count: int = 150) -> float:
    def run() -> tuple[None, int]:
        with httpx.Client(timeout=30) as client:
            for _ in range(count):
                client.get(url, headers=headers).raise_for_status()
        return None, count

    return round(server_cpu_ms(server, run)[1], 2)


def measure_creates(url: str, headers: dict[str, str], count: int, channel_prefix: str) -> dict[str, float]:
    bodies = [
        {
            "commune": "xa-demo",
            "kind": "report",
            "category": random.choice(list(CATEGORIES)),
            "title": f"Phản ánh đo tải {i}",
            "description": "Đèn đường tắt nhiều đêm, đề nghị sửa.",
            "conversation_id": f"{channel_prefix}:xa-demo:{uuid.uuid4().hex[:12]}",
            "channel": "zalo",
            "contact_name": "Người dân",
            "contact_phone": "0909123456",
        }
        for i in range(count)
    ]
    latencies: list[float] = []

    def post(client: httpx.Client, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        response = client.post(url, json=body, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.text[:300]

    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=CREATE_CLIENTS)) as client:
        for body in bodies[:10]:
            post(client, body)
        latencies.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(CREATE_CLIENTS) as pool:
            list(pool.map(lambda b: post(client, b), bodies[10:]))
        elapsed = time.perf_counter() - started
    return {
        "per_s": round((count - 10) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "n": count - 10,
    }


def postgres_database() -> tuple[str, str] | None:
    name = f"xaso_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # no PostgreSQL here: the SQLite half still runs and says so
        console.print(f"[yellow]PostgreSQL unavailable ({type(exc).__name__}); SQLite only.[/yellow]")
        return None
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(rounds: int = 200, creates: int = 600) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="xaso-bench-cases-"))
    backends: dict[str, str] = {"sqlite": f"sqlite:///{work / 'cases.db'}"}
    pg = postgres_database()
    if pg:
        backends["postgresql"] = pg[1]
    baselines: dict[str, str] = {}
    if BASELINE:
        baselines["sqlite"] = f"sqlite:///{work / 'cases-baseline.db'}"
        pg_baseline = postgres_database()
        if pg_baseline:
            baselines["postgresql"] = pg_baseline[1]
    servers: list[ServerProcess] = []
    results: dict[str, Any] = {"cases_in_db": CASES, "rounds": rounds, "create_clients": CREATE_CLIENTS}
    try:
        tokens = {}
        for backend, url in backends.items():
            console.print(f"Nạp {CASES:,} hồ sơ vào {backend}…")
            tokens[backend], seconds = bulk_load(url)
            results[f"{backend}_bulk_load_s"] = round(seconds, 1)
        baseline_tokens = {}
        for backend, url in baselines.items():
            console.print(f"Nạp {CASES:,} hồ sơ vào {backend} cho bản so sánh ({BASELINE})…")
            baseline_tokens[backend] = baseline_load(str(BASELINE), url)
        bare = start_uvicorn("bare", "bench_cases:bare_app", work, {}, app_dir=ROOT / "benchmarks")
        servers.append(bare)
        gateways = {}
        for backend, url in backends.items():
            gateways[backend] = start_uvicorn(f"gateway-{backend}", "api.main:create_app", work, gateway_env(url, work))
            servers.append(gateways[backend])
        targets: dict[str, tuple[str, dict[str, str]]] = {"bare FastAPI": (f"{bare.url}/bare/cases", {})}
        variants = {
            "page 1": "page=1&per_page=50",
            "status+category": "status=new&category=giao_thong&per_page=50",
            "search: words": "q=s%E1%BB%91%2012345&per_page=50",
            "search: common words": "q=chieu%20sang%20ap%203&per_page=50",
            "search: phone": "q=0900012348&per_page=50",
            "page 1000": "page=1000&per_page=50",
        }
        for backend, server in gateways.items():
            auth = {"Authorization": f"Bearer {tokens[backend]}"}
            for label, query in variants.items():
                targets[f"{backend}: {label}"] = (f"{server.url}/api/v1/cases?{query}", auth)
        for backend, url in baselines.items():
            env = {**gateway_env(url, work), "PYTHONPATH": str(BASELINE)}
            server = start_uvicorn(f"baseline-{backend}", "api.main:create_app", work, env, app_dir=Path(str(BASELINE)))
            servers.append(server)
            auth = {"Authorization": f"Bearer {baseline_tokens[backend]}"}
            for label, query in variants.items():
                if label.startswith("search") or label == "page 1":
                    targets[f"baseline {backend}: {label}"] = (f"{server.url}/api/v1/cases?{query}", auth)
        results["load_average_1m_at_start"] = round(os.getloadavg()[0], 2)
        console.print(f"Đo danh sách hồ sơ: {rounds} lượt × {len(targets)} điểm cuối…")
        results["list"] = measure_lists(targets, rounds)
        console.print(f"Đo tạo hồ sơ: {creates} yêu cầu, {CREATE_CLIENTS} luồng đồng thời…")
        service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        create_urls = {"bare FastAPI": (bare, f"{bare.url}/bare/cases", {})}
        for backend, server in gateways.items():
            create_urls[backend] = (server, f"{server.url}/api/v1/internal/cases", service)
        results["create"] = {}
        for name, (server, url, headers) in create_urls.items():
            row, cpu_ms, _ = server_cpu_ms(
                server, lambda u=url, h=headers: (measure_creates(u, h, creates, "zalo"), creates)
            )
            row["server_cpu_ms"] = round(cpu_ms, 2)
            results["create"][name] = row
        console.print("Đo CPU máy chủ cho mỗi trang danh sách (trang 1, tuần tự)…")
        results["list_cpu_ms"] = {"bare FastAPI": list_cpu(bare, f"{bare.url}/bare/cases", {})}
        for backend, server in gateways.items():
            auth = {"Authorization": f"Bearer {tokens[backend]}"}
            results["list_cpu_ms"][backend] = list_cpu(server, f"{server.url}/api/v1/cases?page=1&per_page=50", auth)
    finally:
        for server in servers:
            server.stop()
        if pg:
            drop_postgres(pg[0])
        if BASELINE and baselines.get("postgresql"):
            drop_postgres(make_url(baselines["postgresql"]).database or "")
    report(results)
    return results


def report(results: dict[str, Any]) -> None:
    lists = results["list"]
    ceiling = lists["bare FastAPI"]["p95_ms"]
    table = Table(title=f"Danh sách hồ sơ (50/trang, {CASES:,} hồ sơ trong CSDL), tuần tự")
    for column in ("điểm cuối", "p50 ms", "p95 ms", "max ms", "p95 / bare"):
        table.add_column(column, justify="left" if column == "điểm cuối" else "right")
    for name, row in lists.items():
        table.add_row(
            name,
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['max_ms']:.1f}",
            f"{row['p95_ms'] / ceiling:.1f}×",
        )
    console.print(table)
    creates = results["create"]
    table = Table(title=f"Tạo hồ sơ qua API nội bộ ({CREATE_CLIENTS} luồng đồng thời)")
    for column in ("máy chủ", "hồ sơ/giây", "p50 ms", "p95 ms", "so với bare", "CPU ms/hồ sơ", "trần/lõi"):
        table.add_column(column, justify="left" if column == "máy chủ" else "right")
    for name, row in creates.items():
        table.add_row(
            name,
            f"{row['per_s']:.0f}",
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['per_s'] / creates['bare FastAPI']['per_s']:.0%}",
            f"{row['server_cpu_ms']:.1f}",
            f"{1000 / row['server_cpu_ms']:.0f}/s" if row["server_cpu_ms"] else "—",
        )
    console.print(table)
    table = Table(title="CPU của tiến trình máy chủ cho một trang danh sách (trang 1, 50 hồ sơ)")
    for column in ("máy chủ", "CPU ms/yêu cầu"):
        table.add_column(column, justify="left" if column == "máy chủ" else "right")
    for name, cpu in results["list_cpu_ms"].items():
        table.add_row(name, f"{cpu:.2f}")
    console.print(table)
    sqlite_p95 = lists["sqlite: page 1"]["p95_ms"]
    sqlite_rate = creates["sqlite"]["per_s"]
    results["targets"] = {
        "sqlite_list_p95_ms": {"target": TARGET_LIST_P95_MS, "measured": sqlite_p95, "met": sqlite_p95 <= 50},
        "sqlite_creates_per_s": {"target": TARGET_CREATES_PER_S, "measured": sqlite_rate, "met": sqlite_rate >= 200},
    }
    for name, row in lists.items():
        if ": search: " in name and not name.startswith("baseline"):
            measured = row["p95_ms"]
            results["targets"][f"{name} p95_ms"] = {
                "target": TARGET_SEARCH_P95_MS,
                "measured": measured,
                "met": measured <= TARGET_SEARCH_P95_MS,
            }
    for name, target in results["targets"].items():
        mark = "[green]đạt[/green]" if target["met"] else "[red]chưa đạt[/red]"
        console.print(f"{name}: {target['measured']} (mục tiêu {target['target']}) {mark}")
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    # Other processes share these two cores; the load average says how quiet the machine was.
    results["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(f"Kết quả: {RESULTS}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
