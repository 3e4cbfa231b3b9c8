"""The citizen's channel identity is the conversation (issue 23): ``conversations.citizen_id`` is the one link and
``citizen_identities``, which said it a second time, goes.

Each identity's citizen is copied onto its conversation when the conversation has none; a conversation with another
citizen keeps its own (it is the one the turns have been using). An identity without a conversation row gets one,
with its citizen, only registered (no message written from it yet: its next message takes its state from its cases,
api/conversations/opening.py); channel, commune and external id from the id, else (an id that does not parse) the
identity's channel, the citizen's commune and the id itself.

Revision ID: i23b_identities_merged
Revises: i23a_conversation_fk
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from channels.ids import ConversationId

revision = "i23b_identities_merged"
down_revision = "i23a_conversation_fk"
branch_labels = None
depends_on = None


def merge_identities(connection: sa.Connection) -> None:
    meta = sa.MetaData()
    conversations = sa.Table("conversations", meta, autoload_with=connection)
    identities = sa.Table("citizen_identities", meta, autoload_with=connection)
    citizens = sa.Table("citizens", meta, autoload_with=connection)
    rows = connection.execute(
        sa.select(
            identities.c.conversation_id, identities.c.citizen_id, identities.c.channel, citizens.c.commune_id,
            conversations.c.id, conversations.c.citizen_id.label("linked"),
        )
        .join(citizens, citizens.c.id == identities.c.citizen_id)
        .outerjoin(conversations, conversations.c.conversation_id == identities.c.conversation_id)
        .order_by(identities.c.id)
    ).all()  # fmt: skip
    now = datetime.now(UTC)
    last = connection.scalar(sa.select(sa.func.max(conversations.c.id))) or 0
    for row in rows:
        if row.id is not None:
            if row.linked is None:
                connection.execute(
                    conversations.update().where(conversations.c.id == row.id).values(citizen_id=row.citizen_id)
                )
            continue
        parsed = ConversationId.try_parse(row.conversation_id)
        channel, external = (
            (parsed.channel, parsed.external) if parsed else (row.channel[:16], row.conversation_id[:160])
        )
        last += 1
        connection.execute(
            conversations.insert().values(
                id=last, conversation_id=row.conversation_id, commune_id=row.commune_id, channel=channel,
                external_id=external, citizen_id=row.citizen_id, state="bot", state_changed_at=now, created_at=now,
            )
        )  # fmt: skip
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('conversations', 'id'), (SELECT MAX(id) FROM conversations))")
        )


def upgrade() -> None:
    merge_identities(op.get_bind())
    op.drop_table("citizen_identities")  # its index and constraints with it


def downgrade() -> None:
    op.create_table(
        "citizen_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_citizen_identities_citizen_id_citizens"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_identities")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_citizen_identities_conversation_id")),
    )
    with op.batch_alter_table("citizen_identities") as batch:
        batch.create_index(batch.f("ix_citizen_identities_citizen_id"), ["citizen_id"], unique=False)
    op.execute(
        "INSERT INTO citizen_identities (citizen_id, channel, conversation_id, created_at)"
        " SELECT citizen_id, channel, conversation_id, created_at FROM conversations WHERE citizen_id IS NOT NULL"
    )
