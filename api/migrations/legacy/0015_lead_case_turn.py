"""Cases remember the bot turn that filed them: one case of a kind per turn, so a turn run twice files once.

Revision ID: 0015_lead_case_turn
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_lead_case_turn"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("turn_id", sa.String(length=64), nullable=True))
        batch.create_index("uq_cases_turn_kind", ["turn_id", "kind"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("uq_cases_turn_kind")
        batch.drop_column("turn_id")
