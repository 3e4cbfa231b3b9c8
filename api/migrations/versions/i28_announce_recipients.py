"""An announcement's expected recipients, for the console's progress ("queued N / total").

Revision ID: i28_announce_recipients
Revises: i24c_appointments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i28_announce_recipients"
down_revision = "i24c_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("recipients", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("recipients")
