"""Schema migrations with Alembic: the app and the CLI upgrade the database to the one head on start.

One line of revisions lives in ``migrations/versions``: ``0016_baseline`` makes today's whole schema on a fresh
database, and every later revision chains onto the one before (DEVELOPERS.md). The 18 revisions of the old graph
(12 heads, until December 2026) stay in ``migrations/legacy``, only to bring a database made by them onto the line:
it is first upgraded to every old head, then its version table is re-stamped at the baseline in one transaction
(the baseline's schema is the old heads' schema, checked table by table in tests/api/test_migrations.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from api.cases.search import FTS_TABLE, PG_INDEX
from api.cases.search import ensure_index as ensure_search_index
from api.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
LEGACY_DIR = MIGRATIONS_DIR / "legacy"
BASELINE = "0016_baseline"
VERSION_TABLE = "alembic_version"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def legacy_config(database_url: str) -> Config:
    """The old 12-head graph, for databases made before the baseline (same env.py, its own version location)."""
    config = alembic_config(database_url)
    config.set_main_option("version_locations", str(LEGACY_DIR))
    return config


@cache
def legacy_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(legacy_config("sqlite://"))
    return frozenset(rev.revision for rev in script.walk_revisions())


@cache
def head_revision() -> str:
    """The line's one head (read from the scripts once per process: they do not change while it runs)."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the migration line has no head"
    return head


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Schema objects the migrations make outside the ORM models (full-text search) are left out of comparisons."""
    return not (name and (name.startswith(FTS_TABLE) or name == PG_INDEX))


def _stamped_revisions(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return set()
            return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
    finally:
        engine.dispose()


def bridge_legacy(database_url: str) -> bool:
    """Bring a database made by the old graph onto the line; True if it was one (then it stands at the baseline)."""
    stamped = _stamped_revisions(database_url)
    legacy = legacy_revisions()
    if not stamped & legacy:
        return False
    unknown = stamped - legacy
    if unknown:
        raise RuntimeError(f"{VERSION_TABLE} mixes old and new revisions: {sorted(stamped)}")
    command.upgrade(legacy_config(database_url), "heads")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {VERSION_TABLE}"))
            connection.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:v)"), {"v": BASELINE})
    finally:
        engine.dispose()
    return True


def upgrade_database(database_url: str) -> None:
    """Bring the database to the head; a database already there costs one query (every start, every test app)."""
    if _stamped_revisions(database_url) != {head_revision()}:
        bridge_legacy(database_url)
        command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            ensure_search_index(connection)
    finally:
        engine.dispose()
