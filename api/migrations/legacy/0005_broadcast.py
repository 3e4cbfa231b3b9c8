"""Broadcast: loudspeaker bulletins, their play times, and news feeds.

Revision ID: 0005_broadcast
Revises: 0001_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_broadcast"
down_revision = "0001_core"
branch_labels = None
depends_on = "0002_cases"  # bulletins reference staff (author, approver)


def upgrade() -> None:
    op.create_table(
        "news_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("modified", sa.String(length=200), nullable=True),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_news_feeds_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_news_feeds")),
        sa.UniqueConstraint("commune_id", "url", name="uq_news_feeds_commune_url"),
    )
    op.create_index(op.f("ix_news_feeds_commune_id"), "news_feeds", ["commune_id"], unique=False)
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("voice", sa.String(length=64), nullable=True),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audio_path", sa.String(length=500), nullable=True),
        sa.Column("audio_hash", sa.String(length=64), nullable=True),
        sa.Column("audio_bytes", sa.Integer(), nullable=True),
        sa.Column("audio_duration_seconds", sa.Float(), nullable=True),
        sa.Column("audio_loudness_lufs", sa.Float(), nullable=True),
        sa.Column("audio_true_peak_dbtp", sa.Float(), nullable=True),
        sa.Column("audio_engine", sa.String(length=16), nullable=True),
        sa.Column("audio_voice", sa.String(length=64), nullable=True),
        sa.Column("audio_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["staff.id"], name=op.f("fk_bulletins_approved_by_id_staff"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_bulletins_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_bulletins_created_by_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletins")),
        sa.UniqueConstraint("commune_id", "source_ref", name="uq_bulletins_commune_source_ref"),
    )
    op.create_index("ix_bulletins_commune_status", "bulletins", ["commune_id", "status"], unique=False)
    op.create_table(
        "bulletin_plays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("play_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bulletin_id"], ["bulletins.id"], name=op.f("fk_bulletin_plays_bulletin_id_bulletins"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_bulletin_plays_commune_id_communes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_plays")),
    )
    op.create_index(op.f("ix_bulletin_plays_bulletin_id"), "bulletin_plays", ["bulletin_id"], unique=False)
    op.create_index("ix_bulletin_plays_commune_play_at", "bulletin_plays", ["commune_id", "play_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bulletin_plays_commune_play_at", table_name="bulletin_plays")
    op.drop_index(op.f("ix_bulletin_plays_bulletin_id"), table_name="bulletin_plays")
    op.drop_table("bulletin_plays")
    op.drop_index("ix_bulletins_commune_status", table_name="bulletins")
    op.drop_table("bulletins")
    op.drop_index(op.f("ix_news_feeds_commune_id"), table_name="news_feeds")
    op.drop_table("news_feeds")
