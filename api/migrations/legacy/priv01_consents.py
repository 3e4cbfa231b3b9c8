"""Personal data (Luật 91/2025/QH15): consents per channel identity and purpose, data-subject requests, staff access log.

Revision ID: priv01_consents
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "priv01_consents"
down_revision = "0002_cases"  # citizens and staff
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_privacy_consents_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_privacy_consents_citizen_id_citizens"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_consents")),
        sa.UniqueConstraint("conversation_id", "purpose", name="uq_privacy_consents_conversation_purpose"),
    )
    op.create_index(op.f("ix_privacy_consents_commune_id"), "privacy_consents", ["commune_id"])
    op.create_index(op.f("ix_privacy_consents_conversation_id"), "privacy_consents", ["conversation_id"])
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_privacy_requests_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_privacy_requests_citizen_id_citizens"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(op.f("ix_privacy_requests_commune_id"), "privacy_requests", ["commune_id"])
    op.create_table(
        "privacy_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_privacy_access_log_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_privacy_access_log_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_access_log")),
    )
    op.create_index("ix_privacy_access_log_commune_at", "privacy_access_log", ["commune_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_privacy_access_log_commune_at", table_name="privacy_access_log")
    op.drop_table("privacy_access_log")
    op.drop_index(op.f("ix_privacy_requests_commune_id"), table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_index(op.f("ix_privacy_consents_conversation_id"), table_name="privacy_consents")
    op.drop_index(op.f("ix_privacy_consents_commune_id"), table_name="privacy_consents")
    op.drop_table("privacy_consents")
