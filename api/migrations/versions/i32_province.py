"""A province of communes: official unit code and hotline on a commune, its hamlets, the former communes merged into it.

Revision ID: i32_province
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i32_province"
down_revision = "i26b_audio_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("admin_code", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("hotline", sa.String(length=32), nullable=False, server_default=""))
        batch.create_unique_constraint("uq_communes_admin_code", ["admin_code"])
    op.create_table(
        "commune_hamlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_commune_hamlets_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_hamlets")),
        sa.UniqueConstraint("commune_id", "key", name="uq_commune_hamlets_commune_key"),
    )
    op.create_index(op.f("ix_commune_hamlets_commune_id"), "commune_hamlets", ["commune_id"])
    op.create_table(
        "commune_former_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_commune_former_names_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commune_former_names")),
        sa.UniqueConstraint("commune_id", "key", name="uq_commune_former_names_commune_key"),
    )
    op.create_index(op.f("ix_commune_former_names_commune_id"), "commune_former_names", ["commune_id"])
    op.create_index(op.f("ix_commune_former_names_key"), "commune_former_names", ["key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_commune_former_names_key"), table_name="commune_former_names")
    op.drop_index(op.f("ix_commune_former_names_commune_id"), table_name="commune_former_names")
    op.drop_table("commune_former_names")
    op.drop_index(op.f("ix_commune_hamlets_commune_id"), table_name="commune_hamlets")
    op.drop_table("commune_hamlets")
    with op.batch_alter_table("communes") as batch:
        batch.drop_constraint("uq_communes_admin_code", type_="unique")
        batch.drop_column("hotline")
        batch.drop_column("admin_code")
