"""Conversations: one row per citizen conversation, holding who answers it (bot, staff, a rating prompt).

Revision ID: 0006_conv
Revises: 0002_cases

Rows are created on a conversation's first message after the upgrade; the state of conversations that already had
an open handoff or a pending rating is derived from their cases then (api/conversations/service.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_conv"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=160), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("staff_case_id", sa.Integer(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("staff_replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_conversations_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_conversations_citizen_id_citizens"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_conversations_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_case_id"], ["cases.id"], name=op.f("fk_conversations_staff_case_id_cases"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_conversations_conversation_id")),
    )
    op.create_index(op.f("ix_conversations_citizen_id"), "conversations", ["citizen_id"], unique=False)
    op.create_index("ix_conversations_commune_state", "conversations", ["commune_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_conversations_commune_state", table_name="conversations")
    op.drop_index(op.f("ix_conversations_citizen_id"), table_name="conversations")
    op.drop_table("conversations")
