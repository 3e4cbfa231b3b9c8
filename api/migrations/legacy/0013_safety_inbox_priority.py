"""Inbound events get a priority: an emergency is handled before older messages of its conversation still waiting.

Revision ID: 0013_safety_inbox_priority
Revises: 0007_rel_dead_letters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_safety_inbox_priority"
down_revision = "0007_rel_dead_letters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch:
        batch.drop_column("priority")
