"""Password policy (OWASP ASVS 2.1) and hashing with Argon2id.

Policy: at least 12 characters, not a known common/breached password (zxcvbn's lists plus
common_passwords.txt for Vietnamese habits), and a zxcvbn strength score of at least 3 given the person's own login
and name. Every refusal says why, in Vietnamese.

Parameters follow OWASP's Password Storage Cheat Sheet (m=19 MiB, t=2, p=1): a login costs ~0.1 s of one core,
so a 2-core commune server stays responsive while online guessing stays expensive. Older hashes are upgraded
on the next successful login (``needs_rehash``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

import xaso_text
from api.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_STRENGTH = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
SUGGESTION = "Gợi ý: dùng một cụm 4–5 từ không liên quan, ví dụ 'ca-phe mua-dong ven-song 17 con-meo'."
# zxcvbn's warnings (English) in Vietnamese: what makes this password easy to guess.
_WARNINGS = {
    "repeats": "lặp lại ký tự hoặc cụm ký tự (như 'aaa', 'abcabc')",
    "sequences": "là dãy liên tiếp (như 'abc', '123456')",
    "common": "giống một mật khẩu phổ biến đã bị lộ",
    "keyboard": "là một hàng phím liền nhau trên bàn phím (như 'qwerty')",
    "dates": "chứa năm hoặc ngày tháng dễ đoán",
    "names": "chỉ là tên người",
    "word": "chỉ là một từ thông dụng",
}

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verifying against this keeps the time of an unknown login close to a wrong password's (no user enumeration).
_DUMMY_HASH = _hasher.hash("xaso-dummy-password")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_common(password: str) -> bool:
    lowered = password.lower()
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    return lowered in common_passwords() or (len(stem) >= 3 and stem in common_passwords())


def _why_weak(warning: str, sequence: list[dict[str, object]]) -> str:
    if any(m.get("dictionary_name") == "user_inputs" for m in sequence):
        return "chứa tên đăng nhập, họ tên hoặc tên hệ thống"
    lowered = warning.lower()
    for key, needle in (
        ("repeats", "repeat"),
        ("sequences", "sequence"),
        ("keyboard", "keys"),
        ("keyboard", "keyboard"),
        ("dates", "year"),
        ("dates", "date"),
        ("names", "name"),
        ("common", "common"),
        ("word", "word"),
    ):
        if needle in lowered:
            return _WARNINGS[key]
    return "có thể bị đoán ra trong thời gian ngắn"


def _fold(text: str) -> str:
    return xaso_text.fold(text)


def _personal_words(user_inputs: Iterable[str]) -> list[str]:
    """The person's login and name as zxcvbn dictionary words: each part, and all parts run together."""
    words: list[str] = []
    for text in user_inputs:
        parts = [p for p in re.split(r"[\W_]+", _fold(text or "")) if p]
        words += [p for p in parts if len(p) >= 3]
        if len(parts) > 1:
            words.append("".join(parts))
    return words


def check_password_policy(password: str, *, field: str = "password", user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password that breaks the policy, saying why (``user_inputs``: the person's login, name…)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự (hiện có {len(password)}). {SUGGESTION}",
            code="password_too_short",
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed("Mật khẩu quá dài.", code="password_too_long", field=field)
    if _is_common(password):
        raise ValidationFailed(
            f"Mật khẩu này nằm trong danh sách mật khẩu phổ biến, kẻ gian thử đầu tiên. {SUGGESTION}",
            code="password_common",
            field=field,
        )
    words = _personal_words(user_inputs)
    result = zxcvbn(password[:100], user_inputs=[*words, *common_passwords()])
    if result["score"] < MIN_STRENGTH:
        reason = _why_weak(str(result["feedback"].get("warning") or ""), list(result["sequence"]))
        raise ValidationFailed(f"Mật khẩu quá dễ đoán: {reason}. {SUGGESTION}", code="password_too_weak", field=field)


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
