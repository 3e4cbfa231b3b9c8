"""The cluster `make run-cluster` runs, two ways, each on fresh databases of its own (PostgreSQL ``database`` and
``database``_rasa, Redis ``redis_db`` and the next one), so other tests never collide with it:

- ``supervised_cluster``: exactly the command `make run-cluster` runs (``xaso run --cluster``: supervisord with
  deploy/supervisord.conf), pointed at test databases, free ports and a run directory through the environment. The
  supervisor starts, watches and restarts the processes; the test only kills them (tests/cli/test_cluster.py).
- ``running_cluster``: the same start scripts with the same environment (cli/cluster.py), each process started by
  the caller, without a supervisor - for the cluster benchmark, which restarts the gateway in other shapes.

Needs ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` (.ci/run sets them when the servers answer).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.config import get_settings
from cli.cluster import ClusterPlan, plan_from
from tests.support.paths import ROOT
from tests.support.processes import WEB_BUDGETS_OFF, ServerProcess, free_port, start_server

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
        **WEB_BUDGETS_OFF,
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


@dataclass
class SupervisedCluster:
    """``xaso run --cluster`` running in a process group of its own (after its exec, the pid is supervisord's)."""

    plan: ClusterPlan
    process: subprocess.Popen[bytes]
    run_dir: Path
    log_path: Path

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.gateway_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.plan.actions_port}"

    def ctl(self, *args: str) -> str:
        """supervisorctl on this cluster's socket, as an operator runs it."""
        result = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "supervisorctl"), "-s", f"unix://{self.run_dir}/supervisor.sock", *args],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        return result.stdout

    def pid(self, program: str) -> int:
        """The program's pid now; 0 while it is not running."""
        out = self.ctl("pid", program).strip()
        return int(out) if out.isdigit() else 0

    def ready(self, program: str) -> bool:
        """Whether the program answers on its port (Rasa with its model loaded)."""
        if program.startswith("rasa-"):
            url = f"{self.plan.rasa_urls[int(program[-1]) - 1]}/status?token={RASA_TOKEN}"
        elif program == "actions":
            url = f"{self.actions_url}/health"
        else:
            url = f"{self.gateway_url}/api/v1/communes/xa-demo"
        try:
            return httpx.get(url, timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def gateway_workers(self) -> list[int]:
        """The pids of the uvicorn worker processes (children of the gateway's main process)."""
        pid = self.pid("gateway")
        if not pid:
            return []
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children if _is_worker(int(child))]

    def kill(self, program: str) -> int:
        """SIGKILL the program's whole process group (supervisord gives each program one): no cleanup at all."""
        pid = self.pid(program)
        assert pid, f"{program} is not running"
        os.killpg(pid, signal.SIGKILL)
        return pid

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 60.0) -> float:
        """SIGTERM to supervisord, as Ctrl-C or a service manager would; returns how long the stop took."""
        started = time.monotonic()
        children = [self.pid(name) for name in ("rasa-1", "rasa-2", "actions", "gateway")]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        took = time.monotonic() - started
        for pid in children:  # left over only if the supervisor failed to stop them: the test then fails on it
            if pid and _alive(pid):
                os.killpg(pid, signal.SIGKILL)
        return took


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


PROGRAMS = ("rasa-1", "rasa-2", "actions", "gateway")


@contextmanager
def supervised_cluster(
    work: Path,
    model: Path,
    *,
    database: str | None = None,
    redis_db: int = GATEWAY_REDIS_DB,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 500.0,
) -> Iterator[SupervisedCluster]:
    """Run ``xaso run --cluster`` (what `make run-cluster` runs) until every program answers; stop it afterwards.
    Its databases are named for this run (several checkouts may test on one PostgreSQL) and dropped afterwards."""
    admin_url, redis_base = _server_urls()
    database = database or f"{CLUSTER_DB}_{secrets.token_hex(4)}"
    database_url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    ports = {
        "XASO_RASA_PORT_1": str(free_port()), "XASO_RASA_PORT_2": str(free_port()),
        "XASO_ACTIONS_PORT": str(free_port()), "XASO_GATEWAY_PORT": str(free_port()),
    }  # fmt: skip
    plan = plan_from(database_url, f"{redis_base}/{redis_db}", ports)
    settings = get_settings()
    _fresh_databases(plan)
    _fresh_redis(plan)
    run_dir = work / "run"
    env = {
        **os.environ,
        "DATABASE_URL": plan.database_url,
        "REDIS_URL": plan.redis_url,
        **ports,
        "XASO_RASA_MODEL": str(model),
        "XASO_RUN_DIR": str(run_dir),
        "XASO_DATA_DIR": str(work / "data"),
        "XASO_RASA_TOKEN": RASA_TOKEN,
        "XASO_SERVICE_TOKEN": SERVICE_TOKEN,
        # Given, so that `xaso run` writes no .env into the checkout (it adds only secrets it is not given); the
        # test's own, so that channel secrets the test stores are readable by the cluster.
        "XASO_SECRET_KEY": settings.secret_key.get_secret_value(),
        "XASO_SECRETS_KEY": settings.secrets_key.get_secret_value(),
        "XASO_RUN_BACKGROUND_JOBS": "true",
        "XASO_DEFAULT_COMMUNE": "xa-demo",
        **(extra_env or {}),
    }
    for name in ("XASO_DATABASE_URL", "XASO_REDIS_URL", "XASO_RASA_URL", "XASO_ACTIONS_URL"):
        env.pop(name, None)  # the plan decides these, as for an operator
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "run-cluster.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "xaso"), "run", "--cluster"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    cluster = SupervisedCluster(plan, process, run_dir, log_path)
    try:
        deadline = time.monotonic() + timeout
        while not all(cluster.ready(name) for name in PROGRAMS):
            if process.poll() is not None:
                raise RuntimeError(f"xaso run --cluster exited with {process.returncode}:\n{cluster.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster was not ready within {timeout} s:\n{cluster.log_tail()}")
            time.sleep(0.5)
        yield cluster
    finally:
        cluster.stop()
        _drop_databases(plan)


def _drop_databases(plan: ClusterPlan) -> None:
    engine = create_engine(make_url(_server_urls()[0]).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for name in (make_url(plan.database_url).database, plan.tracker_database):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
