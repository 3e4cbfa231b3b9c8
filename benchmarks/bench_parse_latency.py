"""Parse latency: gateway ``POST /api/v1/nlu/parse`` vs Rasa's ``POST /model/parse`` directly, real servers, serial.

Starts Rasa (models/xaso.tar.gz) and the gateway on free loopback ports, warms both up, then sends the held-out
sentences one at a time, alternating gateway and direct calls so both see the same machine load.
Target (issue 2): gateway p95 <= 30 ms on this 2-core machine.

    .venv/bin/python benchmarks/bench_parse_latency.py [ROUNDS]
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.train import MODEL_PATH  # noqa: E402
from tests.support.processes import ServerProcess, free_port, start_server  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "parse_latency.json"
TOKEN = "bench-rasa-token"
WARMUP = 20
TARGET_P95_MS = 30.0
console = Console()


def held_out_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "nlu_data" / "test" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines():
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:])
                if text:
                    texts.append(text)
    return texts


def start_rasa(work: Path) -> ServerProcess:
    port = free_port()
    env = {"XASO_RASA_MODEL": str(MODEL_PATH), "XASO_TRACKER_DB": str(work / "tracker.db"),
           "XASO_RASA_TOKEN": TOKEN, "XASO_RASA_PORT": str(port)}  # fmt: skip
    return start_server("rasa", [str(ROOT / "scripts" / "start-rasa.sh")], url=f"http://127.0.0.1:{port}",
                        ready_path=f"/status?token={TOKEN}", log_dir=work, env=env)  # fmt: skip


SERVICE_TOKEN = "bench-service-token"


def start_gateway(work: Path, rasa_url: str) -> ServerProcess:
    port = free_port()
    env = {"XASO_DATABASE_URL": f"sqlite:///{work / 'gateway.db'}", "XASO_DATA_DIR": str(work / "data"),
           "XASO_RASA_URL": rasa_url, "XASO_RASA_TOKEN": TOKEN, "XASO_RUN_BACKGROUND_JOBS": "false",
           "XASO_GATEWAY_PORT": str(port), "XASO_SERVICE_TOKEN": SERVICE_TOKEN}  # fmt: skip
    return start_server("gateway", [str(ROOT / "scripts" / "start-gateway.sh")], url=f"http://127.0.0.1:{port}",
                        ready_path="/openapi.json", log_dir=work, env=env)  # fmt: skip


def timed(client: httpx.Client, url: str, text: str, params: dict[str, str] | None = None) -> float:
    # The gateway's parse endpoint needs the service token or a staff login (issue 26); Rasa takes its own token.
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"} if params is None else {}
    started = time.perf_counter()
    response = client.post(url, json={"text": text}, params=params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "max_ms": round(max(values), 2),
    }


def main(argv: list[str]) -> int:
    if not MODEL_PATH.exists():
        console.print(f"[red]Chưa có mô hình {MODEL_PATH}[/red]: chạy `xaso train` trước.")
        return 2
    rounds = int(argv[0]) if argv else 2
    texts = held_out_texts() * rounds
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        work = Path(tmp)
        with console.status("Khởi động Rasa và cổng API…"):
            rasa = start_rasa(work)
            gateway = None
            try:
                gateway = start_gateway(work, rasa.url)
            except RuntimeError:
                rasa.stop()
                raise
        try:
            gateway_ms, direct_ms = [], []
            with httpx.Client(timeout=30) as client:
                direct = (f"{rasa.url}/model/parse", {"token": TOKEN})
                through = f"{gateway.url}/api/v1/nlu/parse"
                for text in texts[:WARMUP]:
                    timed(client, through, text)
                    timed(client, *direct[:1], text, direct[1])
                for index, text in enumerate(texts):
                    if index % 2:
                        direct_ms.append(timed(client, direct[0], text, direct[1]))
                        gateway_ms.append(timed(client, through, text))
                    else:
                        gateway_ms.append(timed(client, through, text))
                        direct_ms.append(timed(client, direct[0], text, direct[1]))
        finally:
            gateway.stop()
            rasa.stop()
    result = {"gateway": stats(gateway_ms), "rasa_direct": stats(direct_ms), "target_gateway_p95_ms": TARGET_P95_MS}
    result["gateway_overhead_p50_ms"] = round(result["gateway"]["p50_ms"] - result["rasa_direct"]["p50_ms"], 2)
    table = Table(title=f"Parse latency, serial, {len(texts)} held-out sentences each (after {WARMUP} warm-up)")
    for column in ("path", "p50 ms", "p95 ms", "mean ms", "max ms"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for name, label in (("gateway", "gateway /api/v1/nlu/parse"), ("rasa_direct", "Rasa /model/parse")):
        s = result[name]
        table.add_row(label, f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['mean_ms']:.1f}", f"{s['max_ms']:.1f}")
    console.print(table)
    verdict = "[green]met[/green]" if result["gateway"]["p95_ms"] <= TARGET_P95_MS else "[red]missed[/red]"
    console.print(f"Target gateway p95 <= {TARGET_P95_MS:.0f} ms: {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console.print(f"Results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
