"""The request id that follows a citizen's message from the webhook to the reply (issue 26): stored on the inbound
event and on each message queued for it, so the inbox and outbox workers log under the same id later.

Revision ID: i26a_request_id
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i26a_request_id"
down_revision = "i24_dossiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("inbox_events", "outbox_messages"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("inbox_events", "outbox_messages"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_id")
