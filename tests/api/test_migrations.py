"""The migrations and the models describe the same schema, on every backend under test."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from api.migrate import MIGRATIONS_DIR, alembic_config
from api.models_registry import metadata


def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_every_migration_reaches_from_core(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = {rev.revision for rev in script.walk_revisions()}
    assert "0001_core" in revisions
    assert MIGRATIONS_DIR.is_dir()
