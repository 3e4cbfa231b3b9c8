"""Test databases: migrated once per session into a template, then copied for every test (fast and isolated).

SQLite always; PostgreSQL too when ``TEST_DATABASE_URL`` is set (CI machines run one on 127.0.0.1:5432). Each backend
has two templates: migrated, and migrated + seeded as the ``app`` fixture seeds (seeding hashes staff passwords with
argon2: a third of a second per test when every test did it). PostgreSQL copies are made ahead and dropped behind
in threads, so the server's CREATE/DROP DATABASE (about half a second together) overlaps the test before.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.migrate import upgrade_database


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def seed(url: str) -> None:
    """What the ``app`` fixture's database holds before the test: the demo commune, its departments, rules, staff."""
    from api.db import make_engine, make_sessionmaker, transaction
    from api.seed import seed_all

    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            seed_all(session, slug="xa-demo")
    finally:
        engine.dispose()


def sqlite_seeded_template(template: Path) -> Path:
    path = template.with_name("seeded.db")
    shutil.copyfile(template, path)
    seed(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@contextmanager
def _admin_connection() -> Iterator[object]:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _database_url(name: str) -> str:
    return make_url(os.environ["TEST_DATABASE_URL"]).set(database=name).render_as_string(hide_password=False)


def postgres_template() -> str:
    name = f"xaso_tmpl_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # type: ignore[attr-defined]
    upgrade_database(_database_url(name))
    return name


def postgres_seeded_template(template: str) -> str:
    name, url = postgres_copy(template)
    seed(url)
    return name


class PostgresCopies:
    """Copies of one template, made ``AHEAD`` at a time by two threads and dropped behind by the same threads."""

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self._template = template
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pg-copies")
        self._ready: deque[Future[tuple[str, str]]] = deque(
            self._threads.submit(postgres_copy, template) for _ in range(self.AHEAD)
        )

    def take(self) -> tuple[str, str]:
        made = self._ready.popleft().result()
        self._ready.append(self._threads.submit(postgres_copy, self._template))
        return made

    def give_back(self, name: str) -> None:
        self._threads.submit(postgres_drop, name)

    def close(self) -> None:
        try:
            for future in self._ready:
                self.give_back(future.result()[0])
        finally:
            self._threads.shutdown(wait=True)


def postgres_copy(template: str) -> tuple[str, str]:
    name = f"xaso_t_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))  # type: ignore[attr-defined]
    return name, _database_url(name)


def postgres_drop(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # type: ignore[attr-defined]


@contextmanager
def empty_database(backend: str, directory: Path) -> Iterator[str]:
    """A URL to a new, empty database on ``backend`` (no migrations run), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'empty-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"xaso_e_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # type: ignore[attr-defined]
    try:
        yield _database_url(name)
    finally:
        postgres_drop(name)
