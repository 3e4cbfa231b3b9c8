"""Remote consultations: one appointment per consultation case, with its video room and reminder flags.

Revision ID: i24c_appointments
Revises: i32_province
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "i24c_appointments"
down_revision = "i32_province"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("requested_text", sa.String(length=500), nullable=True),
        sa.Column("room", sa.String(length=120), nullable=False),
        sa.Column("video_url", sa.String(length=500), nullable=False),
        sa.Column("reminded_day_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_soon_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("awaiting", sa.String(length=16), nullable=True),
        sa.Column("awaiting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_appointments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_appointments_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("case_id", name=op.f("uq_appointments_case_id")),
        sa.UniqueConstraint("room", name=op.f("uq_appointments_room")),
    )
    op.create_index("ix_appointments_commune_starts", "appointments", ["commune_id", "starts_at"])
    op.create_index(op.f("ix_appointments_conversation_id"), "appointments", ["conversation_id"])
    op.create_index(op.f("ix_appointments_status"), "appointments", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_appointments_status"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_conversation_id"), table_name="appointments")
    op.drop_index("ix_appointments_commune_starts", table_name="appointments")
    op.drop_table("appointments")
