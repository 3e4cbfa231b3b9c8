from __future__ import annotations

from alembic import context

from api.db import make_engine
from api.migrate import include_name
from api.models_registry import metadata

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=metadata, render_as_batch=True, literal_binds=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a SQLite table to alter it (copy, DROP, rename): with foreign keys on, the DROP
            # would cascade to every row that refers to it (a new constraint on `communes` emptied nearly every
            # table). The pragma only takes effect outside a transaction, hence before Alembic begins one.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end SQLAlchemy's autobegun transaction so Alembic's own commits
        # Batch mode lets ALTER TABLE work on SQLite too.
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
    engine.dispose()


run_migrations()
