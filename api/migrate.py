"""Schema migrations with Alembic: the app and the CLI upgrade the database to every head on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from api.cases.search import FTS_TABLE, PG_INDEX
from api.cases.search import ensure_index as ensure_search_index
from api.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Schema objects the migrations make outside the ORM models (full-text search) are left out of comparisons."""
    return not (name and (name.startswith(FTS_TABLE) or name == PG_INDEX))


def upgrade_database(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "heads")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            ensure_search_index(connection)
    finally:
        engine.dispose()
