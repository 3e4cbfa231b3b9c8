"""Dead letters: inbound handling failures counted apart from outages, and staff dismissing failed messages.

Revision ID: 0007_rel_dead_letters
Revises: 0003_outbox, 0004_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_rel_dead_letters"
down_revision = ("0003_outbox", "0004_channels")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("dismissed_at")
    with op.batch_alter_table("inbox_events") as batch:
        batch.drop_column("dismissed_at")
        batch.drop_column("failed_at")
        batch.drop_column("failures")
