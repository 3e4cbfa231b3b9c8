"""NLU review inbox: real messages the bot was unsure of, fell back on, or that staff flagged.

Revision ID: 0009_nlurev
Revises: 0004_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_nlurev"
down_revision = "0004_channels"
branch_labels = None
depends_on = "0002_cases"  # nlu_review references staff (flagged_by, reviewed_by)


def upgrade() -> None:
    op.create_table(
        "nlu_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("inbox_event_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_intent", sa.String(length=64), nullable=True),
        sa.Column("reviewed_entities", sa.JSON(), nullable=True),
        sa.Column("flagged_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_nlu_review_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["inbox_event_id"],
            ["inbox_events.id"],
            name=op.f("fk_nlu_review_inbox_event_id_inbox_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["flagged_by_id"], ["staff.id"], name=op.f("fk_nlu_review_flagged_by_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["staff.id"], name=op.f("fk_nlu_review_reviewed_by_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nlu_review")),
        sa.UniqueConstraint("inbox_event_id", name=op.f("uq_nlu_review_inbox_event_id")),
    )
    op.create_index(op.f("ix_nlu_review_commune_id"), "nlu_review", ["commune_id"], unique=False)
    op.create_index(op.f("ix_nlu_review_conversation_id"), "nlu_review", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_nlu_review_status"), "nlu_review", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nlu_review_status"), table_name="nlu_review")
    op.drop_index(op.f("ix_nlu_review_conversation_id"), table_name="nlu_review")
    op.drop_index(op.f("ix_nlu_review_commune_id"), table_name="nlu_review")
    op.drop_table("nlu_review")
