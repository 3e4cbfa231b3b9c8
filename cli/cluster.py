"""The production shape on one machine (``xaso run --cluster``): PostgreSQL and Redis, two Rasa replicas, one action
server, the gateway with two worker processes - started by the same scripts as ``make run`` and docker-compose.

``ClusterPlan.environment()`` is everything those scripts need to know; the cluster test and the cluster benchmark
start their processes from it too, so what they prove is what ``make run-cluster`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass

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
            **{f"XASO_RASA_PORT_{i}": str(p) for i, p in enumerate(self.rasa_ports, start=1)},
        }


def plan_from(database_url: str | None, redis_url: str | None) -> ClusterPlan:
    """The cluster for these settings: an SQLite URL (the embedded default) means the local PostgreSQL."""
    if not database_url or make_url(database_url).get_backend_name() != "postgresql":
        database_url = DEFAULT_DATABASE_URL
    return ClusterPlan(database_url=database_url, redis_url=redis_url or DEFAULT_REDIS_URL)


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
