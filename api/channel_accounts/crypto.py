"""Channel secrets encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``.

The key comes from ``XASO_SECRETS_KEY`` (a Fernet key, or any long random string, which is stretched with SHA-256;
several keys separated by commas rotate: the first encrypts, all decrypt). Unset, a development key is derived from
``XASO_SECRET_KEY``; production mode refuses to start without ``XASO_SECRETS_KEY`` (api/infra/perimeter.py). The key
derived from ``XASO_SECRET_KEY`` always stays a decryption key, so rows written before ``XASO_SECRETS_KEY`` was set
remain readable (and are re-encrypted with the new key on their next write).

The column types below make this transparent to every reader and writer of ``channel_accounts``: values are
encrypted when bound and decrypted when loaded; a value without the marker (a row from before migration
``0014_admin``) is read as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from api.config import Settings, get_settings

PREFIX = "fernet:"
JSON_KEY = "fernet"  # an encrypted JSON column holds {"fernet": "<token>"}
_DERIVE_LABEL = b"xaso-channel-secrets-v1:"
_fernet: MultiFernet | None = None


class SecretsUnreadable(RuntimeError):
    """A stored channel secret does not decrypt with any configured key (XASO_SECRETS_KEY changed or lost)."""


def _key(material: str) -> Fernet:
    text = material.strip()
    try:
        if len(base64.urlsafe_b64decode(text.encode())) == 32:
            return Fernet(text.encode())
    except (binascii.Error, ValueError):
        pass
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(_DERIVE_LABEL + text.encode()).digest()))


def fernet_for(settings: Settings) -> MultiFernet:
    configured = [part for part in settings.secrets_key.get_secret_value().split(",") if part.strip()]
    keys = [_key(part) for part in configured]
    keys.append(_key(settings.secret_key.get_secret_value()))  # the development key; decrypts older rows
    return MultiFernet(keys)


def configure(settings: Settings) -> None:
    """Use these settings' keys in this process (called by create_app before migrations run)."""
    global _fernet
    _fernet = fernet_for(settings)


def _current() -> MultiFernet:
    global _fernet
    if _fernet is None:
        _fernet = fernet_for(get_settings())
    return _fernet


def is_encrypted(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith(PREFIX)
    return isinstance(value, dict) and set(value) == {JSON_KEY}


def encrypt_text(value: str) -> str:
    return PREFIX + _current().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # plaintext from before the migration
    try:
        return _current().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise SecretsUnreadable(
            "Không giải mã được bí mật kênh đã lưu: XASO_SECRETS_KEY khác với khóa đã dùng khi lưu."
        ) from exc


def encrypt_mapping(value: dict[str, Any]) -> dict[str, str]:
    return {JSON_KEY: encrypt_text(json.dumps(value, ensure_ascii=False, sort_keys=True))}


def decrypt_mapping(value: Any) -> dict[str, Any]:
    if not is_encrypted(value):
        return dict(value or {})
    loaded = json.loads(decrypt_text(value[JSON_KEY]))
    return loaded if isinstance(loaded, dict) else {}


class EncryptedText(TypeDecorator[str]):
    """A text column stored as ``fernet:<token>``."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None or is_encrypted(value) else encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt_text(value)


class EncryptedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON column whose whole mapping is stored encrypted as ``{"fernet": "<token>"}`` (still valid JSON)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> dict[str, str] | None:
        return None if value is None else encrypt_mapping(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else decrypt_mapping(value)
