"""@mentions in internal notes: one row per (note, officer named), seen or not yet.

Revision ID: 0014_admin_case_mentions
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_admin_case_mentions"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_mentions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["case_timeline.id"], name=op.f("fk_case_mentions_entry_id_case_timeline"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_case_mentions_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.id"], name=op.f("fk_case_mentions_author_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_mentions")),
        sa.UniqueConstraint("entry_id", "staff_id", name="uq_case_mentions_entry_staff"),
    )
    op.create_index(op.f("ix_case_mentions_case_id"), "case_mentions", ["case_id"])
    op.create_index("ix_case_mentions_staff_seen", "case_mentions", ["staff_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_case_mentions_staff_seen", table_name="case_mentions")
    op.drop_index(op.f("ix_case_mentions_case_id"), table_name="case_mentions")
    op.drop_table("case_mentions")
