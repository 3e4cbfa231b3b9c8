"""Password hashing with Argon2id.

Parameters follow OWASP's Password Storage Cheat Sheet (m=19 MiB, t=2, p=1): a login costs ~0.1 s of one core,
so a 2-core commune server stays responsive while online guessing stays expensive. Older hashes are upgraded
on the next successful login (``needs_rehash``).
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verifying against this keeps the time of an unknown login close to a wrong password's (no user enumeration).
_DUMMY_HASH = _hasher.hash("xaso-dummy-password")


def check_password_policy(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", code="password_too_short", field=field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("Mật khẩu quá dài.", code="password_too_long", field=field)


@lru_cache(maxsize=32)
def _cached_hash(password: str) -> str:
    return _hasher.hash(password)


def hash_password(password: str, *, reuse: bool = False) -> str:
    """Argon2id hash; ``reuse`` shares one hash per password within the process (demo seed data only)."""
    return _cached_hash(password) if reuse else _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
