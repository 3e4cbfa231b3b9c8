"""Channel secrets encrypted at rest: existing plaintext ``secrets``, ``access_token`` and ``refresh_token`` are
encrypted with the configured key (api/channel_accounts/crypto.py). The column types do not change: an encrypted
mapping is still JSON (``{"fernet": "<token>"}``) and an encrypted token still text (``fernet:<token>``).

Revision ID: 0014_admin_channel_secrets
Revises: 0004_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.channel_accounts import crypto

revision = "0014_admin_channel_secrets"
down_revision = "0004_channels"
branch_labels = None
depends_on = None

_accounts = sa.table(
    "channel_accounts",
    sa.column("id", sa.Integer),
    sa.column("secrets", sa.JSON),
    sa.column("access_token", sa.Text),
    sa.column("refresh_token", sa.Text),
)


def _rewrite(*, encrypt: bool) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_accounts.c.id, _accounts.c.secrets, _accounts.c.access_token, _accounts.c.refresh_token)
    ).all()
    for row in rows:
        values: dict[str, object] = {}
        if row.secrets is not None and crypto.is_encrypted(row.secrets) != encrypt:
            plain = crypto.decrypt_mapping(row.secrets)
            values["secrets"] = crypto.encrypt_mapping(plain) if encrypt else plain
        for name in ("access_token", "refresh_token"):
            value = getattr(row, name)
            if value is not None and crypto.is_encrypted(value) != encrypt:
                values[name] = crypto.encrypt_text(value) if encrypt else crypto.decrypt_text(value)
        if values:
            connection.execute(sa.update(_accounts).where(_accounts.c.id == row.id).values(**values))


def upgrade() -> None:
    _rewrite(encrypt=True)


def downgrade() -> None:
    _rewrite(encrypt=False)
