"""Test databases: migrated once per session into a template, then copied for every test (fast and isolated).

SQLite always; PostgreSQL too when ``TEST_DATABASE_URL`` is set (CI machines run one on 127.0.0.1:5432).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
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
