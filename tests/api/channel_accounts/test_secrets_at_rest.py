"""Channel secrets at rest: encrypted in the database, readable through the model, old plaintext rows migrated by
0014_admin, keys rotated, and production mode refusing to run without XASO_SECRETS_KEY."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from types import ModuleType

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text

from api.channel_accounts import crypto
from api.channel_accounts.models import ChannelAccount
from api.channel_accounts.service import credentials_for, upsert_account
from api.communes.models import Commune
from api.config import Settings
from api.db import transaction
from api.infra.perimeter import insecure_settings
from api.migrate import LEGACY_DIR

STRONG = {"rasa_token": "r" * 24, "service_token": "s" * 24, "secret_key": "k" * 24}


@pytest.fixture(autouse=True)
def _restore_keys(app: FastAPI) -> Iterator[None]:
    yield
    crypto.configure(app.state.settings)


def _migration() -> ModuleType:
    path = LEGACY_DIR / "0014_admin_channel_secrets.py"
    spec = importlib.util.spec_from_file_location("migration_0014_admin", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(app: FastAPI, step: str) -> None:
    with app.state.engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            getattr(_migration(), step)()


def _raw(app: FastAPI, account_id: int) -> tuple[object, str | None, str | None]:
    with app.state.engine.connect() as connection:
        row = connection.execute(
            text("SELECT secrets, access_token, refresh_token FROM channel_accounts WHERE id = :i"), {"i": account_id}
        ).one()
    secrets = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return secrets, row[1], row[2]


def _commune_id(app: FastAPI) -> int:
    with transaction(app.state.sessionmaker) as session:
        return session.query(Commune).filter_by(slug="xa-demo").one().id


def test_secrets_and_tokens_are_ciphertext_in_the_database(app: FastAPI) -> None:
    commune_id = _commune_id(app)
    with transaction(app.state.sessionmaker) as session:
        account = upsert_account(
            session,
            commune_id=commune_id,
            channel="zalo",
            secrets={"app_secret": "app-secret-value", "oa_secret_key": "oa-secret-value"},
            access_token="access-token-value",
            refresh_token="refresh-token-value",
        )
        account_id = account.id
    secrets, access, refresh = _raw(app, account_id)
    dumped = json.dumps(secrets) + str(access) + str(refresh)
    for plain in ("app-secret-value", "oa-secret-value", "access-token-value", "refresh-token-value"):
        assert plain not in dumped
    assert crypto.is_encrypted(secrets) and str(access).startswith("fernet:") and str(refresh).startswith("fernet:")
    with transaction(app.state.sessionmaker) as session:
        credentials = credentials_for(session, commune_id=commune_id, commune_slug="xa-demo", channel="zalo")
    assert credentials is not None
    assert credentials.secrets == {"app_secret": "app-secret-value", "oa_secret_key": "oa-secret-value"}
    assert (credentials.access_token, credentials.refresh_token) == ("access-token-value", "refresh-token-value")


def test_the_migration_encrypts_plaintext_rows_and_downgrade_restores_them(app: FastAPI) -> None:
    commune_id = _commune_id(app)
    plain = {"bot_token": "123:plain-bot-token", "webhook_secret": "plain-hook"}
    with app.state.engine.begin() as connection:  # a row as written before 0014_admin
        connection.execute(
            text(
                "INSERT INTO channel_accounts (commune_id, channel, enabled, config, secrets, access_token, "
                "token_version, created_at, updated_at) VALUES (:c, 'telegram', :e, '{}', :s, 'plain-access', 0, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"c": commune_id, "e": True, "s": json.dumps(plain)},
        )
        account_id = connection.execute(text("SELECT id FROM channel_accounts WHERE channel = 'telegram'")).scalar()
    with transaction(app.state.sessionmaker) as session:  # readable before the migration too
        assert session.get(ChannelAccount, account_id).secrets == plain  # type: ignore[union-attr]
    _run(app, "upgrade")
    secrets, access, _refresh = _raw(app, account_id)
    assert crypto.is_encrypted(secrets) and "plain-bot-token" not in json.dumps(secrets)
    assert str(access).startswith("fernet:")
    _run(app, "upgrade")  # running twice changes nothing (already encrypted rows are skipped)
    assert _raw(app, account_id)[0] == secrets
    with transaction(app.state.sessionmaker) as session:
        account = session.get(ChannelAccount, account_id)
        assert account is not None and account.secrets == plain and account.access_token == "plain-access"
    _run(app, "downgrade")
    assert _raw(app, account_id)[:2] == (plain, "plain-access")


def test_keys_rotate_and_a_wrong_key_is_a_clear_error(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    crypto.configure(settings)
    old = crypto.encrypt_text("bí mật cũ")
    new_key = Fernet.generate_key().decode()
    rotated = settings.model_copy(update={"secrets_key": SecretStr(f"{new_key},another-old-key-123456")})
    crypto.configure(rotated)
    assert crypto.decrypt_text(old) == "bí mật cũ"  # written under the development key, still readable
    fresh = crypto.encrypt_text("bí mật mới")
    assert Fernet(new_key.encode()).decrypt(fresh.removeprefix("fernet:").encode()).decode() == "bí mật mới"
    crypto.configure(settings.model_copy(update={"secret_key": SecretStr("a-completely-different-secret")}))
    with pytest.raises(crypto.SecretsUnreadable, match="XASO_SECRETS_KEY"):
        crypto.decrypt_text(fresh)


def test_production_mode_requires_a_secrets_key() -> None:
    missing = insecure_settings(Settings(env="production", secrets_key="", **STRONG))  # type: ignore[arg-type]
    assert any("XASO_SECRETS_KEY" in problem for problem in missing)
    short = insecure_settings(Settings(env="production", secrets_key="ngan", **STRONG))  # type: ignore[arg-type]
    assert any("XASO_SECRETS_KEY quá ngắn" in problem for problem in short)
    good = Settings(env="production", secrets_key=Fernet.generate_key().decode(), **STRONG)  # type: ignore[arg-type]
    assert insecure_settings(good) == []
