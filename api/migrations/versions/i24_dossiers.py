"""One-stop dossier lookups (issue 24): each commune's source, demo dossiers, watches and the lookup record.

Revision ID: i24_dossiers
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i24_dossiers"
down_revision = "0016_baseline"
branch_labels = None
depends_on = None


def _commune_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["commune_id"], ["communes.id"], name=op.f(f"fk_{table}_commune_id_communes"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "dossier_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _commune_fk("dossier_sources"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_sources")),
        sa.UniqueConstraint("commune_id", name=op.f("uq_dossier_sources_commune_id")),
    )
    op.create_table(
        "dossier_demo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("procedure", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("missing", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        _commune_fk("dossier_demo"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_demo")),
        sa.UniqueConstraint("commune_id", "code", name=op.f("uq_dossier_demo_commune_id")),
    )
    op.create_table(
        "dossier_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("last_status", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _commune_fk("dossier_watches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_watches")),
        sa.UniqueConstraint("conversation_id", "code", name=op.f("uq_dossier_watches_conversation_id")),
    )
    op.create_index(op.f("ix_dossier_watches_commune_id"), "dossier_watches", ["commune_id"])
    op.create_index("ix_dossier_watches_active_checked", "dossier_watches", ["active", "checked_at"])
    op.create_table(
        "dossier_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("by", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _commune_fk("dossier_lookups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_lookups")),
    )
    op.create_index(op.f("ix_dossier_lookups_conversation_id"), "dossier_lookups", ["conversation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dossier_lookups_conversation_id"), table_name="dossier_lookups")
    op.drop_table("dossier_lookups")
    op.drop_index("ix_dossier_watches_active_checked", table_name="dossier_watches")
    op.drop_index(op.f("ix_dossier_watches_commune_id"), table_name="dossier_watches")
    op.drop_table("dossier_watches")
    op.drop_table("dossier_demo")
    op.drop_table("dossier_sources")
