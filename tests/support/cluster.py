"""The cluster as `make run-cluster` starts it - two Rasa replicas on a shared PostgreSQL tracker store and Redis lock
store, the action server, the gateway with two uvicorn workers - each a real process on free ports, started by the
same scripts with the environment cli/cluster.py computes. Its own PostgreSQL databases (xaso_cluster_test,
xaso_cluster_test_rasa) and Redis databases (13 and 14), so other tests never collide with it.

Needs ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` (.ci/run sets them when the servers answer).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cli.cluster import ClusterPlan
from tests.support.paths import ROOT
from tests.support.processes import ServerProcess, free_port, start_server

CLUSTER_DB = "xaso_cluster_test"
GATEWAY_REDIS_DB = 13  # Rasa's lock store and session versions take the next one (14)
SERVICE_TOKEN = "cluster-service-token"
RASA_TOKEN = "cluster-rasa-token"


def configured() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL"))


def _server_urls() -> tuple[str, str]:
    """PostgreSQL (any database) and Redis (base, no db) - the test servers, or the local defaults (benchmarks)."""
    database = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    return database, os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


def _fresh_databases(plan: ClusterPlan) -> None:
    admin = make_url(_server_urls()[0]).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for name in (make_url(plan.database_url).database, plan.tracker_database):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def _fresh_redis(plan: ClusterPlan) -> None:
    base = _server_urls()[1]
    for db in (int(plan.redis_url.rsplit("/", 1)[1]), plan.lock_db):
        client = redis.Redis.from_url(f"{base}/{db}")
        client.flushdb()
        client.close()


@dataclass
class Cluster:
    plan: ClusterPlan
    work: Path
    model: Path
    gateway: ServerProcess
    actions: ServerProcess
    rasa: list[ServerProcess] = field(default_factory=list)
    gateway_env: dict[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    def _rasa_env(self, index: int) -> dict[str, str]:
        return {
            **self.plan.environment(),
            "XASO_RASA_PORT": str(self.plan.rasa_ports[index]),
            "XASO_RASA_MODEL": str(self.model),
            "XASO_RASA_TOKEN": RASA_TOKEN,
            "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
            "XASO_ACTION_ENDPOINT_URL": f"{self.actions.url}/webhook",
        }

    def start_rasa(self, index: int) -> ServerProcess:
        port = self.plan.rasa_ports[index]
        return start_server(
            f"rasa-{index + 1}-{int(time.time())}", [str(ROOT / "scripts" / "start-rasa.sh")],
            url=f"http://127.0.0.1:{port}", ready_path=f"/status?token={RASA_TOKEN}", log_dir=self.work,
            env=self._rasa_env(index), timeout=400,
        )  # fmt: skip

    def start_gateway(self, *, workers: int | None = None, replicas: int | None = None) -> ServerProcess:
        """(Re)start the gateway, optionally with another number of workers or of the Rasa replicas it uses."""
        env = dict(self.gateway_env)
        if workers is not None:
            env["XASO_GATEWAY_WORKERS"] = str(workers)
        if replicas is not None:
            env["XASO_RASA_URL"] = ",".join(self.plan.rasa_urls[:replicas])
        if self.gateway is not self.actions:
            self.gateway.stop()
        self.gateway = start_server(
            "gateway", [str(ROOT / "scripts" / "start-gateway.sh")], url=f"http://127.0.0.1:{env['XASO_GATEWAY_PORT']}",
            ready_path="/api/v1/communes/xa-demo", log_dir=self.work, env=env, timeout=120,
        )  # fmt: skip
        return self.gateway

    def gateway_workers(self) -> list[int]:
        """The pids of the uvicorn worker processes (children of the supervisor)."""
        pid = self.gateway.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children if _is_worker(int(child))]

    def stop(self) -> None:
        for process in [self.gateway, *self.rasa, self.actions]:
            process.stop()


def _is_worker(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline  # not multiprocessing's helper


def kill_process_group(server: ServerProcess) -> None:
    """SIGKILL: no shutdown hooks, no draining."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


@contextmanager
def running_cluster(
    work: Path,
    model: Path,
    *,
    database: str = CLUSTER_DB,
    redis_db: int = GATEWAY_REDIS_DB,
    gateway_extra: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """The cluster on fresh databases (``database`` and ``database``_rasa, Redis ``redis_db`` and the next one);
    ``gateway_extra`` adds settings to the gateway's environment."""
    admin_url, redis_base = _server_urls()
    base = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    redis_url = f"{redis_base}/{redis_db}"
    plan = ClusterPlan(database_url=base, redis_url=redis_url, rasa_ports=(free_port(), free_port()))
    _fresh_databases(plan)
    _fresh_redis(plan)
    gateway_port, actions_port = free_port(), free_port()
    gateway_url, actions_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{actions_port}"
    gateway_env = {
        **plan.environment(),
        "XASO_GATEWAY_PORT": str(gateway_port),
        "XASO_RASA_TOKEN": RASA_TOKEN,
        "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        "XASO_ACTIONS_URL": actions_url,
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_RUN_BACKGROUND_JOBS": "true",
        "XASO_DEFAULT_COMMUNE": "xa-demo",
        **(gateway_extra or {}),
    }
    seed_env = {**os.environ, "PYTHONPATH": str(ROOT), **gateway_env}
    subprocess.run([str(ROOT / ".venv" / "bin" / "xaso"), "db", "seed"], cwd=ROOT, env=seed_env, check=True)
    scripts = ROOT / "scripts"
    started: list[ServerProcess] = []
    cluster: Cluster | None = None
    try:
        actions = start_server(
            "actions", [str(scripts / "start-actions.sh")], url=actions_url, ready_path="/health", log_dir=work,
            env={"XASO_ACTIONS_PORT": str(actions_port), "XASO_GATEWAY_URL": gateway_url,
                 "XASO_SERVICE_TOKEN": SERVICE_TOKEN},
        )  # fmt: skip
        started.append(actions)
        cluster = Cluster(plan, work, model, gateway=actions, actions=actions, gateway_env=gateway_env)
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two replicas load their models side by side
            futures = [pool.submit(cluster.start_rasa, index) for index in range(len(plan.rasa_ports))]
            errors = []
            for future in futures:
                try:
                    cluster.rasa.append(future.result())
                    started.append(cluster.rasa[-1])
                except Exception as exc:  # stop whatever did start, then report
                    errors.append(exc)
            if errors:
                raise errors[0]
        cluster.start_gateway()
        yield cluster
    finally:
        restarted = [p for p in (cluster.rasa if cluster else []) if p not in started]
        if cluster is not None and cluster.gateway is not actions:
            restarted.append(cluster.gateway)
        for process in [*reversed(started), *restarted]:
            process.stop()
