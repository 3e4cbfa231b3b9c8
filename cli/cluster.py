"""The production shape on one machine (``xaso run --cluster``): PostgreSQL and Redis, two Rasa replicas, one action
server, the gateway with two worker processes - started by the same scripts as ``make run`` and docker-compose, under
supervisord (deploy/supervisord.conf), which restarts a process that dies and keeps the others running.

``ClusterPlan.environment()`` is everything those scripts need to know. The cluster test (tests/cli/test_cluster.py)
runs ``xaso run --cluster`` itself, with this plan and that supervisor configuration; the cluster benchmark starts the
same scripts with the same environment, without the supervisor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/xaso"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# A replica killed mid-turn holds its conversation's lock this long (seconds), and a turn that waits longer than this
# behind a slow one loses its ticket (bot/cluster.py answers 409 and the gateway retries it). The gateway gives a turn
# moved off a dead replica this much more time (api/nlu/client.py FAILOVER_EXTRA_SECONDS), so it gets through.
LOCK_LIFETIME_SECONDS = 20


@dataclass(frozen=True)
class ClusterPlan:
    database_url: str  # the gateway's (SQLAlchemy URL, psycopg)
    redis_url: str  # the gateway's (limits, wake-ups)
    rasa_ports: tuple[int, ...] = (5005, 5006)
    gateway_workers: int = 2
    actions_port: int = 5055
    gateway_port: int = 8000

    @property
    def tracker_database(self) -> str:
        """Rasa's tracker store: a database of its own next to the gateway's (xaso → xaso_rasa)."""
        return f"{make_url(self.database_url).database}_rasa"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def _redis_parts(self) -> tuple[str, int, int, str]:
        url = make_url(self.redis_url.replace("redis://", "redis+x://", 1))  # parsed like any URL
        db = int(url.database or 0)
        return url.host or "127.0.0.1", url.port or 6379, db, url.password or ""

    @property
    def lock_db(self) -> int:
        """Rasa's lock store: the Redis database after the gateway's."""
        return (self._redis_parts()[2] + 1) % 16

    def environment(self) -> dict[str, str]:
        db = make_url(self.database_url)
        host, port, _, password = self._redis_parts()
        auth = f":{password}@" if password else ""
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "XASO_RASA_URL": ",".join(self.rasa_urls),
            "XASO_GATEWAY_WORKERS": str(self.gateway_workers),
            "XASO_RASA_ENDPOINTS": "bot/endpoints.redis.yml",
            "XASO_TRACKER_DIALECT": "postgresql",
            "XASO_TRACKER_HOST": f"{db.host or '127.0.0.1'}:{db.port or 5432}",
            "XASO_TRACKER_DB": self.tracker_database,
            "XASO_TRACKER_USER": db.username or "",
            "XASO_TRACKER_PASSWORD": db.password or "",
            "XASO_REDIS_HOST": host,
            "XASO_REDIS_PORT": str(port),
            "XASO_REDIS_LOCK_DB": str(self.lock_db),
            "XASO_REDIS_PASSWORD": password,
            "XASO_TRACKER_CACHE_REDIS": f"redis://{auth}{host}:{port}/{self.lock_db}",
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_SECONDS),
            "XASO_ACTIONS_PORT": str(self.actions_port),
            "XASO_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port}",
            "XASO_GATEWAY_PORT": str(self.gateway_port),
            "XASO_GATEWAY_URL": f"http://127.0.0.1:{self.gateway_port}",
            **{f"XASO_RASA_PORT_{i}": str(p) for i, p in enumerate(self.rasa_ports, start=1)},
        }


def plan_from(database_url: str | None, redis_url: str | None, environ: Mapping[str, str] | None = None) -> ClusterPlan:
    """The cluster for these settings: an SQLite URL (the embedded default) means the local PostgreSQL. Ports come
    from ``environ`` when set there (XASO_RASA_PORT_1/2, XASO_ACTIONS_PORT, XASO_GATEWAY_PORT), else the defaults."""
    if not database_url or make_url(database_url).get_backend_name() != "postgresql":
        database_url = DEFAULT_DATABASE_URL
    env = {} if environ is None else environ
    default = ClusterPlan(database_url=database_url, redis_url=redis_url or DEFAULT_REDIS_URL)
    rasa_ports = tuple(
        int(env.get(f"XASO_RASA_PORT_{i}") or port) for i, port in enumerate(default.rasa_ports, start=1)
    )
    return ClusterPlan(
        database_url=database_url,
        redis_url=redis_url or DEFAULT_REDIS_URL,
        rasa_ports=rasa_ports,
        actions_port=int(env.get("XASO_ACTIONS_PORT") or default.actions_port),
        gateway_port=int(env.get("XASO_GATEWAY_PORT") or default.gateway_port),
    )


def supervisor_config(root: Path) -> Path:
    """The supervisord configuration ``xaso run --cluster`` runs (programs rasa-1, rasa-2, actions, gateway)."""
    return root / "deploy" / "supervisord.conf"


def run_dir(root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """Where the supervisor keeps its socket, pid file and the processes' logs (XASO_RUN_DIR, default var/cluster)."""
    env = os.environ if environ is None else environ
    return Path(env.get("XASO_RUN_DIR") or root / "var" / "cluster")


def ensure_databases(plan: ClusterPlan) -> list[str]:
    """Create the gateway's and Rasa's databases when missing; returns what was created."""
    url = make_url(plan.database_url)
    admin: URL = url.set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    created = []
    try:
        with engine.connect() as connection:
            for name in (url.database or "xaso", plan.tracker_database):
                exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                if exists is None:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                    created.append(name)
    finally:
        engine.dispose()
    return created
