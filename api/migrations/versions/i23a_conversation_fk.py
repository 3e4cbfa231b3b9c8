"""One conversation id (issue 23): 255 characters everywhere and a foreign key to ``conversations.conversation_id``
from every table that names a conversation, except the two delivery logs: the inbound events (a greeting is stored
too, and opening a chat makes no conversation row, issue 26) and the outbox (it answers that greeting, and tells a
citizen their erasure is done after their conversation rows are gone).

Every id those tables hold without a conversation row (a case filed, a subscription, a lookup; rows older than the
conversations table) first gets one, only registered: no citizen, state
``bot``; its first real message opens it (api/conversations/opening.py). Its channel, commune and external id come
from the id (channels/ids.py); an id that does not parse keeps its row all the same — channel from the row that
names it when it has one, else empty, the id itself as external id — so that no row is lost.

Revision ID: i23a_conversation_fk
Revises: i28_announce_recipients
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from channels.ids import ConversationId

revision = "i23a_conversation_fk"
down_revision = "i28_announce_recipients"
branch_labels = None
depends_on = None

# table → (the length it had, ON DELETE): what belongs to the conversation goes with it (erasure deletes the rows
# itself and counts them; the cascade keeps anything it does not name from pointing nowhere); a case and its
# appointment are the commune's record and stay, anonymous.
TABLES: dict[str, tuple[int, str]] = {
    "cases": (255, "SET NULL"),
    "appointments": (255, "SET NULL"),
    "dossier_watches": (255, "CASCADE"),
    "dossier_lookups": (255, "CASCADE"),
    "nlu_review": (200, "CASCADE"),
    "privacy_consents": (255, "CASCADE"),
    "subscriptions": (200, "CASCADE"),
}
WITHOUT_KEY = {"inbox_events": 200, "outbox_messages": 200}


def _fk(table: str) -> str:
    return f"fk_{table}_conversation_id_conversations"


def register_orphans(connection: sa.Connection) -> int:
    """A conversations row for every id named in ``TABLES`` without one; returns how many were made."""
    meta = sa.MetaData()
    conversations = sa.Table("conversations", meta, autoload_with=connection)
    known = set(connection.scalars(sa.select(conversations.c.conversation_id)))
    found: dict[str, tuple[int, str]] = {}  # id → (commune id, channel of the row that names it)
    for name in TABLES:
        table = sa.Table(name, meta, autoload_with=connection)
        channel = table.c.channel if "channel" in table.c else sa.literal("")
        rows = connection.execute(
            sa.select(table.c.conversation_id, table.c.commune_id, channel)
            .where(table.c.conversation_id.is_not(None))
            .distinct()
        )
        for key, commune_id, row_channel in rows:
            if key not in known and key not in found:
                found[key] = (commune_id, row_channel or "")
    now = datetime.now(UTC)
    # Ids numbered here, the sequence moved on after (rows copied in with their ids may have left it behind).
    last = connection.scalar(sa.select(sa.func.max(conversations.c.id))) or 0
    for number, (key, (commune_id, row_channel)) in enumerate(sorted(found.items()), start=last + 1):
        parsed = ConversationId.try_parse(key)
        channel, external = (parsed.channel, parsed.external) if parsed else (row_channel[:16], key[:160])
        connection.execute(
            conversations.insert().values(
                id=number, conversation_id=key, commune_id=commune_id, channel=channel, external_id=external,
                state="bot", state_changed_at=now, created_at=now,
            )
        )  # fmt: skip
    if found and connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('conversations', 'id'), (SELECT MAX(id) FROM conversations))")
        )
    return len(found)


def upgrade() -> None:
    register_orphans(op.get_bind())
    for table, length in WITHOUT_KEY.items():
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "conversation_id", type_=sa.String(length=255), existing_type=sa.String(length=length),
                existing_nullable=False,
            )  # fmt: skip
    for table, (length, ondelete) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            if length != 255:
                batch.alter_column(
                    "conversation_id", type_=sa.String(length=255), existing_type=sa.String(length=length),
                    existing_nullable=table in ("cases", "appointments"),
                )  # fmt: skip
            batch.create_foreign_key(
                _fk(table), "conversations", ["conversation_id"], ["conversation_id"], ondelete=ondelete
            )


def downgrade() -> None:
    # The rows registered on the way up stay: they are conversations like any other.
    for table, (length, _) in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(_fk(table), type_="foreignkey")
            if length != 255:
                batch.alter_column(
                    "conversation_id", type_=sa.String(length=length), existing_type=sa.String(length=255),
                    existing_nullable=False,
                )  # fmt: skip
    for table, length in WITHOUT_KEY.items():
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "conversation_id", type_=sa.String(length=length), existing_type=sa.String(length=255),
                existing_nullable=False,
            )  # fmt: skip
