"""Case search by words: an FTS5 table on SQLite, a GIN index on PostgreSQL; search texts folded again.

The search text becomes one folded copy of code, title, description, place, contact phone and the citizen's messages
(api/cases/search.py); the index objects live outside the ORM models (api/migrate.py ``include_name`` skips them).

Revision ID: 0012_lead_case_fts
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.cases.search import FTS_TABLE, MAX_SEARCH_TEXT, PG_INDEX, ensure_index, search_text

revision = "0012_lead_case_fts"
down_revision = "0002_cases"
branch_labels = None
depends_on = None

_BATCH = 1000


def _refold(connection: sa.Connection) -> None:
    last = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, code, title, description, location_text, contact_phone FROM cases"
                " WHERE id > :last ORDER BY id LIMIT :batch"
            ),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        said: dict[int, list[str]] = {}
        for case_id, body in connection.execute(
            sa.text(
                "SELECT case_id, body FROM case_timeline WHERE kind = 'citizen_message' AND case_id IN :ids ORDER BY id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            said.setdefault(case_id, []).append(body or "")
        connection.execute(
            sa.text("UPDATE cases SET search_text = :text WHERE id = :id"),
            [
                {
                    "id": row.id,
                    "text": search_text(
                        row.code,
                        row.title,
                        row.description,
                        row.location_text,
                        row.contact_phone,
                        *said.get(row.id, []),
                    )[:MAX_SEARCH_TEXT],
                }
                for row in rows
            ],
        )
        last = ids[-1]


def upgrade() -> None:
    connection = op.get_bind()
    _refold(connection)
    if connection.dialect.name == "sqlite":
        ensure_index(connection)  # again after every upgrade (api/migrate.py): batch ALTERs drop triggers
    elif connection.dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {PG_INDEX} ON cases USING gin (to_tsvector('simple', search_text))")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif connection.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
