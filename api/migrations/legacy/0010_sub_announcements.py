"""Subscriptions and announcements: citizens who receive bulletins on their chat, and what was sent to whom.

Revision ID: 0010_sub_announcements
Revises: 0003_outbox, 0005_broadcast

Also on the outbox: a claim priority (emergencies first), how a Zalo notice went out (route) and what a template
message needs (context); on bulletins: when they were first announced.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_sub_announcements"
down_revision = ("0003_outbox", "0005_broadcast")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hamlet", sa.String(length=100), nullable=True),
        sa.Column("hamlet_key", sa.String(length=100), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("awaiting_hamlet", sa.Boolean(), nullable=False),
        sa.Column("hamlet_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_subscriptions_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_subscriptions_conversation_id")),
    )
    op.create_index(
        "ix_subscriptions_commune_status_hamlet", "subscriptions", ["commune_id", "status", "hamlet_key"], unique=False
    )
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("hamlets", sa.JSON(), nullable=False),
        sa.Column("hamlet_keys", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("queued_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"], ["bulletins.id"], name=op.f("fk_announcements_bulletin_id_bulletins"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_announcements_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_announcements_created_by_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(op.f("ix_announcements_bulletin_id"), "announcements", ["bulletin_id"], unique=False)
    op.create_index(op.f("ix_announcements_commune_id"), "announcements", ["commune_id"], unique=False)
    op.create_table(
        "announcement_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_deliveries_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_announcement_deliveries_bulletin_id_bulletins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_announcement_deliveries_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_deliveries")),
        sa.UniqueConstraint("bulletin_id", "subscription_id", name="uq_announcement_deliveries_recipient"),
    )
    op.create_index(
        op.f("ix_announcement_deliveries_announcement_id"),
        "announcement_deliveries",
        ["announcement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_announcement_deliveries_outbox_message_id"),
        "announcement_deliveries",
        ["outbox_message_id"],
        unique=False,
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("route", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("context", sa.JSON(), nullable=True))
    with op.batch_alter_table("bulletins") as batch:
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bulletins") as batch:
        batch.drop_column("announced_at")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("context")
        batch.drop_column("route")
        batch.drop_column("priority")
    op.drop_table("announcement_deliveries")
    op.drop_table("announcements")
    op.drop_index("ix_subscriptions_commune_status_hamlet", table_name="subscriptions")
    op.drop_table("subscriptions")
