"""Routing rules: deadlines in working days (office time; api/communes/worktime.py).

Existing rules counted clock hours; a whole number of days (24, 48, 72 … hours) becomes that many working days, and
other values stay hours, now counted in office time.

Revision ID: 0011_lead_sla_days
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_lead_sla_days"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_rules") as batch:
        batch.add_column(sa.Column("sla_days", sa.Integer(), nullable=True))
    op.execute("UPDATE routing_rules SET sla_days = sla_hours / 24 WHERE sla_hours >= 24 AND sla_hours % 24 = 0")


def downgrade() -> None:
    op.execute("UPDATE routing_rules SET sla_hours = sla_days * 24 WHERE sla_days IS NOT NULL")
    with op.batch_alter_table("routing_rules") as batch:
        batch.drop_column("sla_days")
