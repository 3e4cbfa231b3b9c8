"""Security perimeter: cases private by default (public flag, public summary, hamlet-level place) and the forced
change of seeded or reset staff passwords.

Revision ID: 0008_sec_perimeter
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sec_perimeter"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("public_summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("public_location", sa.String(length=200), nullable=True))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("public_location")
        batch.drop_column("public_summary")
        batch.drop_column("public")
