"""The migrations and the models describe the same schema, on every backend under test."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from api.migrate import BASELINE, MIGRATIONS_DIR, alembic_config, include_name
from api.models_registry import metadata


def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": include_name})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration for: {diff}"


def test_every_migration_reaches_from_the_baseline(database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    revisions = {rev.revision for rev in script.walk_revisions()}
    assert BASELINE in revisions  # the old graph from 0001_core: api/migrations/legacy
    assert MIGRATIONS_DIR.is_dir()


def test_revision_ids_fit_postgresql_s_version_column(database_url: str) -> None:
    # alembic_version.version_num is VARCHAR(32): a longer id fails every upgrade on PostgreSQL, not on SQLite.
    script = ScriptDirectory.from_config(alembic_config(database_url))
    too_long = [rev.revision for rev in script.walk_revisions() if len(rev.revision) > 32]
    assert too_long == []
