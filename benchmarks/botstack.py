"""The bot stack the channel and conversation benchmarks share: real action server, Rasa and gateway processes on
loopback (started by the same scripts as `make run`), a seeded SQLite database, and the run bookkeeping."""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.channel_accounts.service import upsert_account  # noqa: E402
from api.communes.service import get_commune  # noqa: E402
from api.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from api.migrate import upgrade_database  # noqa: E402
from api.seed import seed_all  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.fake_zalo import FakeZalo  # noqa: E402
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server  # noqa: E402

MODEL = ROOT / "models" / "xaso.tar.gz"
TOKEN = "bench-rasa-token"
OA_SECRET, TG_SECRET = "bench-oa-secret", "bench-tg-secret"
# A loaded machine can take minutes to load a model: XASO_BENCH_RASA_TIMEOUT waits longer.
RASA_START_SECONDS = float(os.environ.get("XASO_BENCH_RASA_TIMEOUT", "300"))


def percentile(seconds: list[float], q: int) -> float | None:
    """The q-th percentile in milliseconds (nearest rank), or None for no samples."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children that were waited for (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    failed: int = 0
    seconds: float = 0.0
    gateway_cpu: float = 0.0
    rasa_cpu: float = 0.0

    def merge(self, other: Run) -> None:
        self.latencies += other.latencies
        self.answered += other.answered
        self.failed += other.failed
        self.seconds += other.seconds
        self.gateway_cpu += other.gateway_cpu
        self.rasa_cpu += other.rasa_cpu

    def summary(self) -> dict[str, Any]:
        lat = self.latencies
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        return {
            "name": self.name,
            "turns": len(lat) + self.failed,
            "answered": self.answered,
            "failed": self.failed,
            "throughput": len(lat) / self.seconds if self.seconds else 0.0,
            "p50_ms": float("nan") if p50 is None else p50,
            "p95_ms": float("nan") if p95 is None else p95,
            "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
            "gateway_cpu_ms_per_turn": self.gateway_cpu * 1000 / len(lat) if lat else float("nan"),
            "rasa_cpu_ms_per_turn": self.rasa_cpu * 1000 / len(lat) if lat else float("nan"),
        }


def prepare(database_url: str, zalo: FakeZalo, telegram: FakeTelegram) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        seed_all(session, slug="xa-demo")
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
    engine.dispose()


def start_processes(work: Path, database_url: str) -> tuple[ServerProcess, ServerProcess, ServerProcess]:
    actions_port, rasa_port, gateway_port = free_port(), free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    common = {"XASO_SERVICE_TOKEN": "bench-service-token", "XASO_GATEWAY_URL": gateway_url}
    actions = start_server(
        "actions", [str(ROOT / "scripts" / "start-actions.sh")], url=f"http://127.0.0.1:{actions_port}",
        ready_path="/health", log_dir=work, env={**common, "XASO_ACTIONS_PORT": str(actions_port)},
    )  # fmt: skip
    rasa = start_server(
        "rasa", [str(ROOT / "scripts" / "start-rasa.sh")], url=f"http://127.0.0.1:{rasa_port}",
        ready_path=f"/status?token={TOKEN}", log_dir=work, timeout=RASA_START_SECONDS,
        env={"XASO_RASA_MODEL": str(MODEL), "XASO_TRACKER_DB": str(work / "tracker.db"), "XASO_RASA_TOKEN": TOKEN,
             "XASO_RASA_PORT": str(rasa_port), "XASO_RASA_ENDPOINTS": "bot/endpoints.yml",
             "XASO_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
             "XASO_SERVICE_TOKEN": common["XASO_SERVICE_TOKEN"]},
    )  # fmt: skip
    gateway = start_server(
        "gateway", [str(ROOT / "scripts" / "start-gateway.sh")], url=gateway_url,
        ready_path="/api/v1/communes/xa-demo", log_dir=work,
        env={**common, "XASO_DATABASE_URL": database_url, "XASO_RASA_URL": rasa.url, "XASO_RASA_TOKEN": TOKEN,
             "XASO_ACTIONS_URL": actions.url, "XASO_GATEWAY_PORT": str(gateway_port),
             "XASO_RUN_BACKGROUND_JOBS": "true", **WEB_BUDGETS_OFF},
    )  # fmt: skip
    return actions, rasa, gateway
