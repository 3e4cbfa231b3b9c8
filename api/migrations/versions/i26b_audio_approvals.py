"""Approved audio versions: a public audio link names the version a second person approved, and keeps serving it.

Revision ID: i26b_audio_approvals
Revises: 0001_core (depends on 0010_sub_announcements: bulletins and announcements)

Bulletins get the SHA-256 of their MP3 (content-addressed files); each approval records the exact file and text;
an announcement records the approved version it sends. Bulletins approved, published or announced before this
revision get one approval row for their current file, keyed by their text hash (their files predate content hashes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i26b_audio_approvals"
down_revision = "i26a_request_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulletin_audio_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("audio_sha256", sa.String(length=64), nullable=False),
        sa.Column("audio_path", sa.String(length=500), nullable=False),
        sa.Column("audio_bytes", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bulletin_id"],
            ["bulletins.id"],
            name=op.f("fk_bulletin_audio_approvals_bulletin_id_bulletins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["staff.id"],
            name=op.f("fk_bulletin_audio_approvals_approved_by_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulletin_audio_approvals")),
        sa.UniqueConstraint("bulletin_id", "audio_sha256", name="uq_bulletin_audio_approvals_version"),
    )
    op.create_index(
        op.f("ix_bulletin_audio_approvals_bulletin_id"), "bulletin_audio_approvals", ["bulletin_id"], unique=False
    )
    with op.batch_alter_table("bulletins") as batch:
        batch.add_column(sa.Column("audio_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("approval_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_announcements_approval_id_bulletin_audio_approvals"),
            "bulletin_audio_approvals",
            ["approval_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Existing approved/published/announced audio: one approval row each, so their links keep working.
    op.execute("UPDATE bulletins SET audio_sha256 = audio_hash WHERE audio_path IS NOT NULL AND audio_hash IS NOT NULL")
    op.execute(
        "INSERT INTO bulletin_audio_approvals (bulletin_id, audio_sha256, audio_path, audio_bytes, title, body, "
        "approved_by_id, approved_at) "
        "SELECT id, audio_sha256, audio_path, audio_bytes, title, body, approved_by_id, "
        "COALESCE(approved_at, published_at, announced_at, created_at) FROM bulletins "
        "WHERE audio_path IS NOT NULL AND audio_sha256 IS NOT NULL "
        "AND (status IN ('approved', 'published', 'withdrawn') OR announced_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_constraint(op.f("fk_announcements_approval_id_bulletin_audio_approvals"), type_="foreignkey")
        batch.drop_column("approval_id")
    with op.batch_alter_table("bulletins") as batch:
        batch.drop_column("audio_sha256")
    op.drop_index(op.f("ix_bulletin_audio_approvals_bulletin_id"), table_name="bulletin_audio_approvals")
    op.drop_table("bulletin_audio_approvals")
